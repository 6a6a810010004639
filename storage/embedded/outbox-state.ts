/**
 * Sends in memory: the pending ones in insertion order, and the result of each finished one. Only
 * the result is kept after completion, so memory per finished send stays small.
 */
import type { OutboxItem, OutboxResult } from '../store.js';

export class OutboxState {
  private readonly pending = new Map<string, OutboxItem>();
  private readonly results = new Map<string, OutboxResult>();

  /** Known ids, pending or finished: `appendOutbox` must not revive a send that already happened. */
  has(id: string): boolean {
    return this.pending.has(id) || this.results.has(id);
  }

  add(item: OutboxItem): void {
    if (!this.has(item.id)) this.pending.set(item.id, item);
  }

  complete(id: string, result: OutboxResult): void {
    this.pending.delete(id);
    this.results.set(id, result);
  }

  pendingItems(): OutboxItem[] {
    return [...this.pending.values()];
  }

  result(id: string): OutboxResult | undefined {
    return this.results.get(id);
  }
}
