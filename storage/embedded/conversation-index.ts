/** Conversations in memory, by id and by the chat thread they are bridged to. */
import type { Conversation, ThreadRef } from '../../bot/types.js';

/** Same separator reasoning as chat refs: channel ids may contain `:`. */
function threadKey(thread: Pick<ThreadRef, 'adapter' | 'channel' | 'id'>): string {
  return `${thread.adapter}\u001f${thread.channel}\u001f${thread.id}`;
}

export class ConversationIndex {
  private readonly byId = new Map<string, Conversation>();
  private readonly byThread = new Map<string, Conversation>();

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Conversation | undefined {
    return this.byId.get(id);
  }

  findByThread(adapter: string, channel: string, threadId: string): Conversation | undefined {
    return this.byThread.get(threadKey({ adapter, channel, id: threadId }));
  }

  /** Every conversation `matches` picks (erasure looks customers up by number; rare, so a scan). */
  filter(matches: (conversation: Conversation) => boolean): Conversation[] {
    return [...this.byId.values()].filter(matches);
  }

  remove(id: string): void {
    const previous = this.byId.get(id);
    if (!previous) return;
    if (previous.thread) {
      const key = threadKey(previous.thread);
      if (this.byThread.get(key) === previous) this.byThread.delete(key);
    }
    this.byId.delete(id);
  }

  /** Replaces the stored conversation; takes ownership of `conversation`. */
  save(conversation: Conversation): void {
    const previous = this.byId.get(conversation.id);
    if (previous?.thread) {
      const key = threadKey(previous.thread);
      if (this.byThread.get(key) === previous) this.byThread.delete(key);
    }
    this.byId.set(conversation.id, conversation);
    if (conversation.thread) this.byThread.set(threadKey(conversation.thread), conversation);
  }
}
