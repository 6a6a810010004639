/**
 * WhatsApp delivery states only move forward: sent < delivered < read < played. WhatsApp does not
 * promise webhook order, so a late `sent` after `delivered` must not move the display back. `failed`
 * is terminal and always shown.
 */
import type { DeliveryState } from './types.js';

const RANK: Record<DeliveryState, number> = { sent: 1, delivered: 2, read: 3, played: 4, failed: 5 };

export function isDeliveryState(value: string): value is DeliveryState {
  return Object.hasOwn(RANK, value);
}

/** Whether moving from `current` to `next` is progress worth recording and showing. */
export function advances(current: DeliveryState | undefined, next: DeliveryState): boolean {
  if (current === undefined) return true;
  if (current === 'failed') return false;
  if (next === 'failed') return true;
  return RANK[next] > RANK[current];
}
