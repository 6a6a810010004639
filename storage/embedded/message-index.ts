/** Bridged messages in memory, findable by key, by any of their wamids and by their chat message. */
import type { ChatMessageRef } from '../../bot/types.js';
import type { MessagePatch, MessageRecord } from '../store.js';

/**
 * Identifies a chat message regardless of its thread. The separator is a control character because
 * chat ids may contain `:` (Teams channel ids do), which would make `a:b:c` ambiguous.
 */
export function chatRefKey(ref: Pick<ChatMessageRef, 'adapter' | 'channel' | 'id'>): string {
  return `${ref.adapter}\u001f${ref.channel}\u001f${ref.id}`;
}

/**
 * Hands out one shared copy of each string it has seen. Records parsed from JSON each get their own
 * copy of values that repeat across thousands of messages (conversation ids, channels, thread ids);
 * sharing them cuts resident memory per message by about a sixth.
 */
class StringPool {
  private readonly strings = new Map<string, string>();

  share<T extends string | undefined>(value: T): T {
    if (value === undefined) return value;
    const shared = this.strings.get(value);
    if (shared !== undefined) return shared as T;
    this.strings.set(value, value);
    return value;
  }
}

export class MessageIndex {
  /** Only for values whose variety is bounded by conversations or threads, never per-message ids. */
  private readonly pool = new StringPool();
  private readonly byKey = new Map<string, MessageRecord>();
  private readonly byWamid = new Map<string, MessageRecord>();
  private readonly byChatRef = new Map<string, MessageRecord>();

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): MessageRecord | undefined {
    return this.byKey.get(key);
  }

  findByWamid(wamid: string): MessageRecord | undefined {
    return this.byWamid.get(wamid);
  }

  findByChatRef(ref: ChatMessageRef): MessageRecord | undefined {
    return this.byChatRef.get(chatRefKey(ref));
  }

  /** Takes ownership of `record`: callers hand over a private copy. */
  insert(record: MessageRecord): void {
    this.compact(record);
    this.byKey.set(record.key, record);
    this.indexSecondary(record);
  }

  /** Keys of every message `matches` picks (erasure, retention: rare, so a scan). */
  selectKeys(matches: (record: MessageRecord) => boolean): string[] {
    const keys: string[] = [];
    for (const record of this.byKey.values()) if (matches(record)) keys.push(record.key);
    return keys;
  }

  remove(key: string): void {
    const record = this.byKey.get(key);
    if (!record) return;
    this.unindexSecondary(record);
    this.byKey.delete(key);
  }

  /** Applies every field present in `patch`; returns false when there is no such message. */
  patch(key: string, patch: MessagePatch): boolean {
    const record = this.byKey.get(key);
    if (!record) return false;
    this.unindexSecondary(record);
    // Fields beyond MessagePatch's current ones are kept too, so a grown patch type is not silently dropped on disk.
    const { key: _ignored, ...fields } = patch as MessagePatch & { key?: string };
    Object.assign(record, fields);
    this.compact(record);
    this.indexSecondary(record);
    return true;
  }

  private compact(record: MessageRecord): void {
    // An inbound message's key is its wamid: keep one string, not two equal ones.
    record.wamids = record.wamids.map((wamid) => (wamid === record.key ? record.key : wamid));
    record.conversationId = this.pool.share(record.conversationId);
    if (record.chat) {
      record.chat.adapter = this.pool.share(record.chat.adapter);
      record.chat.channel = this.pool.share(record.chat.channel);
      if (record.chat.threadId !== undefined) record.chat.threadId = this.pool.share(record.chat.threadId);
    }
  }

  private indexSecondary(record: MessageRecord): void {
    for (const wamid of record.wamids) this.byWamid.set(wamid, record);
    if (record.chat) this.byChatRef.set(chatRefKey(record.chat), record);
  }

  /** Only entries that still point at `record`: a later message may have claimed the same wamid or chat ref. */
  private unindexSecondary(record: MessageRecord): void {
    for (const wamid of record.wamids) {
      if (this.byWamid.get(wamid) === record) this.byWamid.delete(wamid);
    }
    if (record.chat) {
      const chatKey = chatRefKey(record.chat);
      if (this.byChatRef.get(chatKey) === record) this.byChatRef.delete(chatKey);
    }
  }
}
