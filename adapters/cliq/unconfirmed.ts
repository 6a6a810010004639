/**
 * Every Cliq fact the reference (zoho-cliq.md) marks **[unconfirmed]** or only [secondary], in one
 * place, so a check against a real Cliq organisation corrects it here and nowhere else. The README's
 * "Zoho Cliq → Unconfirmed facts" lists the same items.
 */

/**
 * U1 — How a reply is posted into an existing thread. Creation is documented (a channel message with
 * `thread_message_id` = the parent message); we assume the same body posts further replies into
 * the thread that message already heads, so a thread is addressed by its parent message id alone
 * and no `THREAD_CHAT_ID` is needed right after creation (reference §4, unconfirmed item 3).
 */
export function threadReplyFields(parentMessageId: string): Record<string, unknown> {
  return { thread_message_id: parentMessageId, post_in_parent: false };
}

/**
 * U2 — Files go into a channel as a multipart `POST /api/v2/channelsbyname/{name}/message` with a
 * `text` part and an `attachments` part [secondary]; that the same form takes `thread_message_id`
 * to land in a thread is unconfirmed (reference §5, unconfirmed item 5).
 */
export function fileUploadPath(channel: string): string {
  return `/api/v2/channelsbyname/${encodeURIComponent(channel)}/message`;
}
export function fileUploadFields(parentMessageId: string): Record<string, string> {
  return { thread_message_id: parentMessageId, post_in_parent: 'false', sync_message: 'true' };
}

/**
 * U3 — Throttling: 429 per the v3 docs, historically HTTP 400 "You have exceeded the URL throttle
 * limits" [secondary]; which one a data centre answers is unconfirmed (item 9). Both mean "locked".
 */
export function isThrottled(status: number, body: unknown): boolean {
  if (status === 429) return true;
  if (status !== 400) return false;
  const text = typeof body === 'string' ? body : JSON.stringify(body ?? '');
  return /throttl|too many requests|rate limit/i.test(text);
}
/** The lock Cliq imposes after the threshold when it does not say (published: 10 minutes). */
export const CLIQ_LOCK_MS = 10 * 60_000;

/**
 * U4 — Which limit a call counts against. Published: 50/min/user for posts, 20/min/user for thread
 * creation and "thread operations", 20/min for file downloads. Whether a reply *inside* a thread is
 * a "thread operation" is unknown: we count it as a post (and thread creation against both).
 */
export type RateClass = 'message' | 'thread' | 'file';
export function rateClassesOf(operation: 'post' | 'reply' | 'open-thread' | 'download' | 'read'): RateClass[] {
  switch (operation) {
    case 'open-thread':
      return ['message', 'thread'];
    case 'download':
      return ['file'];
    default:
      return ['message'];
  }
}

/**
 * U5 — Where a handler payload names the thread a message was written in. The participation
 * handler's `chat` for a thread message is assumed to carry the thread chat id (`CT_…-T-…`, reference
 * §4) and, sometimes, `thread_message_id`; without the latter, the adapter asks
 * `GET /api/v3/threads/{id}` (documented). Payload shapes vary (reference §6.1), so this reads
 * defensively.
 */
export function threadOfChat(chat: Record<string, unknown> | undefined, data: Record<string, unknown> | undefined): { threadChatId?: string; parentMessageId?: string; channel?: string } {
  const str = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value : typeof value === 'number' ? String(value) : undefined);
  const chatId = str(chat?.id) ?? str(chat?.chat_id);
  const isThread = chat?.type === 'thread' || (chatId !== undefined && /-T-/.test(chatId)) || str(chat?.thread_message_id) !== undefined;
  return {
    ...(isThread && chatId ? { threadChatId: chatId } : {}),
    ...optional('parentMessageId', str(chat?.thread_message_id) ?? str(data?.thread_message_id)),
    ...optional('channel', str(chat?.channel_unique_name) ?? str(chat?.unique_name)),
  };
}

/**
 * U6 — Whether a slash command's `chat` identifies the thread it was typed in (item 8). When it does
 * (same shape as U5), the command acts on that thread's conversation; otherwise on the channel.
 */
export const commandThreadOfChat = threadOfChat;

/** U7 — The effective attachment limit of an organisation is admin-set (≤ 1 GB): config, default this. */
export const CLIQ_DEFAULT_MAX_FILE_BYTES = 100 * 1024 * 1024;

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
