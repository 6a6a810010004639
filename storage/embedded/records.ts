/**
 * The journal's on-disk vocabulary: one JSON object per line, told apart by `t`. Changing a shape
 * here changes the file format: add new record types rather than altering old ones.
 */
import type { Conversation } from '../../bot/types.js';
import type { InboxItem, MessagePatch, MessageRecord, OutboxItem, OutboxResult } from '../store.js';

/** Records of the main journal: they accumulate for good (the last conversation record per id wins). */
export type MainRecord =
  | { t: 'conversation'; conversation: Conversation }
  | { t: 'message'; message: MessageRecord }
  | { t: 'message-patch'; key: string; patch: MessagePatch }
  /** All items of one `appendOutbox` call, in one line so that they land together or not at all. */
  | { t: 'outbox'; items: OutboxItem[] }
  | { t: 'outbox-result'; id: string; result: OutboxResult };

/** Records of the inbox journal, whose segments are deleted once every item in them is done. */
export type InboxRecord = { t: 'inbox'; item: InboxItem } | { t: 'inbox-done'; id: string };
