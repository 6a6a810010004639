/**
 * Which journal records a purge (an erasure, or retention pruning) removes, decided per line so
 * that segments can be rewritten one at a time in journal order.
 *
 * The selection is computed from memory before anything is removed and saved in state.json, so a
 * purge a crash interrupted is finished at the next open with the very same selection: once the
 * first segments are rewritten, memory rebuilt from the journal no longer knows what they held.
 */
import { messageKeyOfOutboxId } from './outbox-state.js';
import type { MainRecord } from './records.js';

export interface PurgeSelection {
  conversations: string[];
  messages: string[];
  /** Sends (pending or finished) of the selected conversations or messages. */
  outbox: string[];
}

/** The state.json key holding a purge that has not finished yet. */
export const PENDING_PURGE_KEY = 'pendingPurge';

/**
 * A stateful line filter: an `outbox` record dropped here makes its later `outbox-result` go too,
 * even when the selection did not list it (a send queued after the selection was taken).
 */
export function purgeFilter(selection: PurgeSelection): (record: object, line: string) => string | undefined {
  const conversations = new Set(selection.conversations);
  const messages = new Set(selection.messages);
  const outbox = new Set(selection.outbox);
  return (raw, line) => {
    const record = raw as MainRecord;
    switch (record.t) {
      case 'conversation':
        return conversations.has(record.conversation.id) ? undefined : line;
      case 'message':
        return messages.has(record.message.key) || conversations.has(record.message.conversationId) ? undefined : line;
      case 'message-patch':
        return messages.has(record.key) ? undefined : line;
      case 'outbox': {
        const kept = record.items.filter((item) => {
          const drop = conversations.has(item.conversationId) || messages.has(item.messageKey) || outbox.has(item.id);
          if (drop) outbox.add(item.id);
          return !drop;
        });
        if (kept.length === record.items.length) return line;
        return kept.length === 0 ? undefined : JSON.stringify({ ...record, items: kept });
      }
      case 'outbox-result':
        return outbox.has(record.id) || messages.has(messageKeyOfOutboxId(record.id)) ? undefined : line;
      default:
        // Unknown record types from a newer version are kept: this version cannot tell what they hold.
        return line;
    }
  };
}
