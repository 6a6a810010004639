/**
 * Every Cliq fact the reference (zoho-cliq.md) marks **[unconfirmed]** or only [secondary], in one
 * place, so a check against a real Cliq organisation corrects it here and nowhere else. The README's
 * "Zoho Cliq → Unconfirmed facts" lists the same items.
 */
import { createHash } from 'node:crypto';

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
 * Reactions and bot messages to a user have no published limit: counted as posts (conservative).
 */
export type RateClass = 'message' | 'thread' | 'file' | 'history';
export function rateClassesOf(operation: 'post' | 'reply' | 'open-thread' | 'download' | 'read' | 'history' | 'react'): RateClass[] {
  switch (operation) {
    case 'open-thread':
      return ['message', 'thread'];
    case 'download':
      return ['file'];
    case 'history':
      // "Get Messages" is published at 15/min/user (v2 messages page); it is a read, not a post.
      return ['history'];
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

/**
 * U8 — How a post is found again after a crash (`findPosted`). Cliq messages carry no metadata
 * (Slack's `metadata`), so every post Puente makes ends with an invisible marker derived from its
 * key: U+2063 (invisible separator) and 32 zero-width spaces / non-joiners spelling 32 bits of the
 * key's SHA-256. Assumed: Cliq keeps these characters in the text it stores and returns them from
 * `GET /api/v2/chats/{CHAT_ID}/messages` (`content.text`, or `content.comment` of a file message).
 * If Cliq strips them, `findPosted` finds nothing and the core re-posts, as it did before.
 */
const MARKER_START = '\u2063';
const MARKER_BITS = ['\u200b', '\u200c'] as const;
const MARKER_PATTERN = /\u2063[\u200b\u200c]{32}/g;
export function postMarker(key: string): string {
  const bits = createHash('sha256').update(key).digest().readUInt32BE(0);
  let marker = MARKER_START;
  for (let bit = 31; bit >= 0; bit--) marker += MARKER_BITS[(bits >>> bit) & 1];
  return marker;
}
/** Agents may copy a customer's message (and its marker) into a reply: the customer never sees markers. */
export function stripPostMarkers(text: string): string {
  return text.replace(MARKER_PATTERN, '');
}

/**
 * U9 — The messages of a chat, as `GET /api/v2/chats/{CHAT_ID}/messages?limit=` answers them
 * (documented shape: `{ data: [{ id, time, type, sender, content }] }`, `content` being `{ text }`,
 * `{ file: { id, name, type, dimensions: { size } }, comment }` or a bare string). Unconfirmed: which
 * messages `limit` keeps (we assume the newest) and their order (we sort by `time` ourselves).
 */
export interface ListedMessage {
  id: string;
  time: number;
  text: string;
  file?: { id: string; name: string; type?: string; size?: number };
}
export function listedMessagesOf(body: unknown): ListedMessage[] {
  const root = isRecord(body) ? body : {};
  const list = Array.isArray(root.data) ? root.data : Array.isArray(root.messages) ? root.messages : Array.isArray(body) ? body : [];
  const messages: ListedMessage[] = [];
  for (const item of list) {
    if (!isRecord(item)) continue;
    const id = text(item.id) ?? text(item.message_id);
    if (!id) continue;
    const content = item.content;
    const fields = isRecord(content) ? content : {};
    const file = isRecord(fields.file) ? fields.file : undefined;
    const fileId = file ? text(file.id) : undefined;
    const size = Number((isRecord(file?.dimensions) ? file.dimensions.size : undefined) ?? file?.size);
    const time = Number(item.time);
    messages.push({
      id,
      time: Number.isFinite(time) ? time : Date.parse(String(item.time)) || 0,
      text: typeof content === 'string' ? content : (text(fields.text) ?? text(fields.comment) ?? text(item.text) ?? ''),
      ...(file && fileId
        ? { file: { id: fileId, name: text(file.name) ?? fileId, ...optional('type', text(file.type)), ...(Number.isSafeInteger(size) && size >= 0 ? { size } : {}) } }
        : {}),
    });
  }
  return messages.sort((a, b) => b.time - a.time);
}

/**
 * U10 — Reactions: `POST` / `DELETE /api/v2/chats/{CHAT_ID}/messages/{MESSAGE_ID}/reactions` with
 * `{ "emoji_code": "✅" }` (Unicode accepted), 204 [secondary: field reports and a Zoho API client;
 * the v3 schema names `emoji_code`]. Scopes `ZohoCliq.messageactions.CREATE` / `.DELETE` [secondary].
 */
export function reactionPath(chatId: string, messageId: string): string {
  return `/api/v2/chats/${encodeURIComponent(chatId)}/messages/${encodeURIComponent(messageId)}/reactions`;
}

/**
 * U11 — The chat id of the thread a parent message heads (needed to read or react in a thread, as
 * thread creation answers only the message id; reference §4 item 3). Besides what inbound events
 * teach, the adapter lists the channel's threads with `GET /api/v3/chats?parent_chid={CHANNEL_CHAT_ID}`
 * (documented) and assumes each entry carries `chat_id` and `thread_message_id` (or
 * `thread_information`); entries without the parent are asked `GET /api/v3/threads/{id}`.
 */
export function threadEntriesOf(body: unknown): { chatId: string; parentMessageId?: string }[] {
  const root = isRecord(body) ? body : {};
  const list = Array.isArray(root.data) ? root.data : Array.isArray(root.chats) ? root.chats : [];
  const entries: { chatId: string; parentMessageId?: string }[] = [];
  for (const item of list) {
    if (!isRecord(item)) continue;
    const info = isRecord(item.thread_information) ? item.thread_information : {};
    const chatId = text(item.chat_id) ?? text(info.chat_id) ?? text(item.id);
    if (!chatId) continue;
    entries.push({ chatId, ...optional('parentMessageId', text(item.thread_message_id) ?? text(info.thread_message_id)) });
  }
  return entries;
}

/**
 * U12 — Thread buttons. A message's `buttons` ({ label ≤ 20, type `+`/`-`, key, action
 * `invoke.function` }) and the button function's arguments (`arguments.key`, `message`, `user`,
 * `chat`) are documented; assumed: buttons on a channel message posted as the bot through the REST
 * API reach the organisation's function named here, and the map the function returns is shown to
 * the person who pressed the button.
 */
export const CLIQ_ACTION_FUNCTION = 'puenteaction';
export function headerButtons(actions: readonly { id: string; label: string; style?: string }[]): Record<string, unknown>[] {
  return actions.slice(0, 5).map((action) => ({
    label: action.label.slice(0, 20),
    type: action.style === 'danger' ? '-' : '+',
    key: action.id.slice(0, 100),
    action: { type: 'invoke.function', data: { name: CLIQ_ACTION_FUNCTION } },
  }));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
