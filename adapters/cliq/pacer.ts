/**
 * Cliq's rate limits are per user per minute, and going over locks the user out for ~10 minutes
 * (reference zoho-cliq.md §9). So every call first takes a slot from a sliding one-minute window of
 * its class(es), a little under the published threshold; callers wait in line for their slot. A
 * wait longer than `maxQueueMs`, or a lockout Cliq announced, is answered with a
 * `RetryableChatError` carrying `retryAfterMs`: the core's durable retry holds the work (nothing is
 * dropped) and drains it once the window or the lock has passed.
 */
import { RetryableChatError } from '../../bot/chat-adapter.js';
import type { RateClass } from './unconfirmed.js';

/** Published thresholds (50, 20, 20, and 15 for reading a chat's messages, a minute) less a margin for other clients of the same user. */
export const DEFAULT_LIMITS: Record<RateClass, number> = { message: 45, thread: 18, file: 18, history: 13 };
const WINDOW_MS = 60_000;

export interface PacerOptions {
  limits?: Partial<Record<RateClass, number>>;
  /** Longest a call waits in the adapter for a slot before handing the wait to the core. */
  maxQueueMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class CliqPacer {
  private readonly limits: Record<RateClass, number>;
  /** Start times of the calls of the last minute (and reservations in the near future), per class. */
  private readonly taken: Record<RateClass, number[]> = { message: [], thread: [], file: [], history: [] };
  private lockedUntil = 0;
  private readonly maxQueueMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: PacerOptions = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.maxQueueMs = options.maxQueueMs ?? 15_000;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Waits for a slot in every class; throws RetryableChatError when the wait would be long. */
  async acquire(classes: readonly RateClass[]): Promise<void> {
    const now = this.now();
    if (this.lockedUntil > now) throw new RetryableChatError('Cliq rate limit lockout', this.lockedUntil - now);
    let at = now;
    for (const rateClass of classes) at = Math.max(at, this.nextSlot(rateClass, now));
    if (at - now > this.maxQueueMs) throw new RetryableChatError(`Cliq rate limit (${classes.join(', ')}): waiting`, at - now);
    for (const rateClass of classes) this.taken[rateClass].push(at);
    if (at > now) await this.sleep(at - now);
    // A lockout announced while this call waited for its slot holds it back too.
    const after = this.now();
    if (this.lockedUntil > after) throw new RetryableChatError('Cliq rate limit lockout', this.lockedUntil - after);
  }

  /** Cliq answered "throttled": nothing goes out until the lock has passed. */
  lockout(ms: number): void {
    this.lockedUntil = Math.max(this.lockedUntil, this.now() + ms);
  }

  get lockedForMs(): number {
    return Math.max(0, this.lockedUntil - this.now());
  }

  private nextSlot(rateClass: RateClass, now: number): number {
    const taken = this.taken[rateClass].filter((time) => time > now - WINDOW_MS);
    this.taken[rateClass] = taken;
    const limit = this.limits[rateClass];
    if (taken.length < limit) return now;
    taken.sort((a, b) => a - b);
    // The slot frees when the call `limit` places back leaves the window.
    return taken[taken.length - limit]! + WINDOW_MS;
  }
}
