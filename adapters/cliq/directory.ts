/**
 * Where things are in Cliq: the chat id of a channel (by unique name), the chat id of the thread a
 * parent message heads, the parent of a thread chat, and a chat's latest messages. Everything is
 * cached (none of these ever changes) and a lookup Cliq refuses (4xx) answers undefined, logged,
 * while throttling and 5xx still throw `RetryableChatError` for the core to retry.
 */
import type { Logger } from '../../bot/logger.js';
import { CliqApiError, type CliqClient } from './client.js';
import { listedMessagesOf, rateClassesOf, threadEntriesOf, type ListedMessage } from './unconfirmed.js';

/** How many messages one look back reads (the newest); Cliq's maximum page is 100. */
export const LOOKBACK_MESSAGES = 100;
/** How many of a channel's threads are asked for their parent when the listing omits it. */
const MAX_THREAD_DETAILS = 20;

export interface ThreadDetails {
  parentMessageId?: string;
  parentChatId?: string;
}

export class CliqDirectory {
  private readonly channelChats = new Map<string, string>();
  /** Parent message id → thread chat id. */
  private readonly threadChats = new Map<string, string>();
  /** Thread chat id → its parent message and the parent channel's chat id. */
  private readonly threads = new Map<string, ThreadDetails>();

  constructor(
    private readonly client: CliqClient,
    private readonly logger: Logger,
  ) {}

  /** `GET /api/v2/channelsbyname/{name}` → `chat_id` (documented). */
  async chatIdOfChannel(channel: string): Promise<string | undefined> {
    const known = this.channelChats.get(channel);
    if (known) return known;
    const body = await this.get(`/api/v2/channelsbyname/${encodeURIComponent(channel)}`, 'read', { channel });
    const data = (body?.data ?? body ?? {}) as Record<string, unknown>;
    const id = idOf(data.chat_id);
    if (id) this.channelChats.set(channel, id);
    return id;
  }

  /** What an inbound event taught: this thread chat is headed by that message. */
  learnThread(threadChatId: string, parentMessageId: string): void {
    this.threadChats.set(parentMessageId, threadChatId);
    const details = this.threads.get(threadChatId);
    if (!details?.parentMessageId) this.threads.set(threadChatId, { ...details, parentMessageId });
  }

  /** `GET /api/v3/threads/{THREAD_CHAT_ID}` (documented). */
  async threadDetails(threadChatId: string): Promise<ThreadDetails> {
    const cached = this.threads.get(threadChatId);
    if (cached?.parentMessageId) return cached;
    const body = await this.get(`/api/v3/threads/${encodeURIComponent(threadChatId)}`, 'read', { threadChatId });
    if (!body) return {}; // not a thread Cliq will describe (deleted, or not visible): not ours
    const data = (body.data ?? body) as Record<string, unknown>;
    const details = { ...optional('parentMessageId', idOf(data.thread_message_id)), ...optional('parentChatId', idOf(data.parent_chat_id)) };
    this.threads.set(threadChatId, details);
    if (details.parentMessageId) this.threadChats.set(details.parentMessageId, threadChatId);
    return details;
  }

  /** The thread chat headed by `parentMessageId` in `channel` (unconfirmed.ts U11). */
  async threadChatOf(channel: string, parentMessageId: string): Promise<string | undefined> {
    const known = this.threadChats.get(parentMessageId);
    if (known) return known;
    const channelChat = await this.chatIdOfChannel(channel);
    if (!channelChat) return undefined;
    const body = await this.get('/api/v3/chats', 'read', { channel }, { parent_chid: channelChat });
    const entries = threadEntriesOf(body);
    for (const entry of entries) if (entry.parentMessageId) this.learnThread(entry.chatId, entry.parentMessageId);
    let asked = 0;
    for (const entry of entries) {
      if (this.threadChats.has(parentMessageId) || asked >= MAX_THREAD_DETAILS) break;
      if (entry.parentMessageId || this.threads.has(entry.chatId)) continue;
      asked++;
      await this.threadDetails(entry.chatId);
    }
    return this.threadChats.get(parentMessageId);
  }

  /** The newest messages of a chat, newest first (`GET /api/v2/chats/{CHAT_ID}/messages`, unconfirmed.ts U9). */
  async messages(chatId: string, limit = LOOKBACK_MESSAGES): Promise<ListedMessage[]> {
    const body = await this.get(`/api/v2/chats/${encodeURIComponent(chatId)}/messages`, 'history', { chatId }, { limit: String(limit) });
    return listedMessagesOf(body);
  }

  private async get(path: string, operation: 'read' | 'history', about: Record<string, string>, params?: Record<string, string>): Promise<Record<string, unknown> | undefined> {
    try {
      const response = await this.client.call<Record<string, unknown>>({ method: 'GET', path, ...(params ? { params } : {}), rate: rateClassesOf(operation) });
      return (response.data ?? {}) as Record<string, unknown>;
    } catch (error) {
      if (!(error instanceof CliqApiError)) throw error;
      this.logger.warn({ ...about, err: error.message }, 'cliq: lookup refused');
      return undefined;
    }
  }
}

export function idOf(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
