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

  /** Ids of sends (pending or finished) that `belongs` picks: finished ones are known by id only. */
  select(belongs: (item: { id: string; conversationId?: string; messageKey: string }) => boolean): string[] {
    const ids: string[] = [];
    for (const item of this.pending.values()) if (belongs(item)) ids.push(item.id);
    for (const id of this.results.keys()) {
      if (!this.pending.has(id) && belongs({ id, messageKey: messageKeyOfOutboxId(id) })) ids.push(id);
    }
    return ids;
  }

  /** Forgets sends entirely (erasure, retention). */
  remove(ids: Iterable<string>): void {
    for (const id of ids) {
      this.pending.delete(id);
      this.results.delete(id);
    }
  }
}

/** The message record an outbox id belongs to (`<message key>#<part>`; a reaction's id is its own key). */
export function messageKeyOfOutboxId(outboxId: string): string {
  const hash = outboxId.lastIndexOf('#');
  return hash === -1 ? outboxId : outboxId.slice(0, hash);
}
