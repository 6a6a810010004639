/**
 * Bodies posted to `POST /webhooks/cliq` by the Deluge handlers documented in the README → what the
 * adapter does with them. Pure and defensive (Cliq's handler payloads vary, reference §6.1): never
 * throws; the thread a message belongs to is only *named* here (unconfirmed.ts U5) and resolved by
 * the adapter, which may have to ask Cliq.
 */
import type { Agent, ChatFileRef } from '../../bot/types.js';
import { cliqToWhatsApp } from './format.js';
import { commandThreadOfChat, stripPostMarkers, threadOfChat } from './unconfirmed.js';

export const ADAPTER = 'cliq';

export interface ThreadHint {
  threadChatId?: string;
  parentMessageId?: string;
  channel?: string;
}

export type CliqInterpretation =
  | { kind: 'message'; messageId: string; chatId: string; agent: Agent; text: string; files: ChatFileRef[]; timestamp: number; thread: ThreadHint }
  | { kind: 'command'; name: string; text: string; agent: Agent; chatId?: string; thread: ThreadHint }
  | { kind: 'change'; change: 'edit' | 'delete'; messageId: string; agent: Agent; thread: ThreadHint }
  | { kind: 'action'; key: string; messageId: string; agent: Agent; chatId?: string; channel?: string }
  | { kind: 'ignored'; reason: string }
  | { kind: 'rejected'; reason: string };

type Json = Record<string, unknown>;

/** Participation-handler operations that change a message already relayed (agents are told it cannot be undone). */
const CHANGES: Record<string, 'edit' | 'delete' | undefined> = { message_edited: 'edit', message_deleted: 'delete' };

export interface CliqSelf {
  /** Ids of users whose messages are never relayed (the OAuth service user). */
  ignoreUserIds: ReadonlySet<string>;
  /** Whether Puente itself posted this message id. */
  postedByUs(messageId: string): boolean;
}

export function interpretCliqBody(input: unknown, self: CliqSelf, now: number = Date.now()): CliqInterpretation {
  const body = typeof input === 'string' ? parseJson(input) : input;
  if (!isObject(body)) return { kind: 'rejected', reason: 'body is not a JSON object' };
  const user = isObject(body.user) ? body.user : undefined;
  const chat = isObject(body.chat) ? body.chat : undefined;
  const agent = agentOf(user);
  if (body.type === 'command') {
    const name = str(body.command)?.replace(/^\//, '').toLowerCase();
    if (!name) return { kind: 'rejected', reason: 'command without a name' };
    if (!agent) return { kind: 'rejected', reason: 'command without a user id' };
    const text = typeof body.arguments === 'string' ? body.arguments : '';
    return { kind: 'command', name, text, agent, ...optional('chatId', str(chat?.id)), thread: commandThreadOfChat(chat, undefined) };
  }
  if (body.type === 'action') {
    // A header button was pressed (README: the `puenteaction` button function forwards it).
    const args = isObject(body.arguments) ? body.arguments : {};
    const key = str(body.key) ?? str(args.key);
    const pressed = isObject(body.message) ? body.message : {};
    const messageId = str(pressed.id) ?? str(body.message_id);
    if (!key || !messageId) return { kind: 'rejected', reason: 'action without a key or a message' };
    if (!agent) return { kind: 'rejected', reason: 'action without a user id' };
    return { kind: 'action', key, messageId, agent, ...optional('chatId', str(chat?.id)), ...optional('channel', str(chat?.channel_unique_name) ?? str(chat?.unique_name)) };
  }
  const operation = str(body.operation) ?? 'message_sent';
  const change = CHANGES[operation];
  if (operation !== 'message_sent' && !change) return { kind: 'ignored', reason: `operation ${operation} is not bridged` };
  const data = isObject(body.data) ? body.data : {};
  const message = isObject(data.message) ? data.message : data;
  const messageId = str(message.id) ?? str(data.message_id) ?? str(body.message_id);
  if (!messageId) return { kind: 'rejected', reason: 'message without an id' };
  if (self.postedByUs(messageId)) return { kind: 'ignored', reason: 'posted by Puente' };
  if (!agent) return { kind: 'rejected', reason: 'message without a user id' };
  // There is no is_bot flag (reference §6.1): bots have `b-` ids; the service user is configured.
  if (agent.id.startsWith('b-') || user?.type === 'bot' || self.ignoreUserIds.has(agent.id)) return { kind: 'ignored', reason: 'posted by a bot or the service user' };
  if (change) {
    const thread = threadOfChat(chat, data);
    if (!thread.threadChatId && !thread.parentMessageId) return { kind: 'ignored', reason: 'not in a thread' };
    return { kind: 'change', change, messageId, agent, thread };
  }
  const chatId = str(chat?.id) ?? str(data.chat_id);
  if (!chatId) return { kind: 'rejected', reason: 'message without a chat id' };
  const thread = threadOfChat(chat, data);
  if (!thread.threadChatId && !thread.parentMessageId) return { kind: 'ignored', reason: 'not in a thread' };
  const content = isObject(message.content) ? message.content : message;
  const rawText = str(content.text) ?? str(message.text) ?? str(data.text) ?? '';
  const timestamp = Number(message.time ?? data.time ?? body.time);
  return {
    kind: 'message',
    messageId,
    chatId,
    agent,
    text: cliqToWhatsApp(stripPostMarkers(rawText), mentionNames(data.mentions ?? body.mentions)),
    files: filesOf(content, message, [body.attachments, data.attachments, message.attachments, content.attachments], { chatId, messageId }),
    timestamp: Number.isFinite(timestamp) && timestamp > 0 ? timestamp : now,
    thread,
  };
}

function agentOf(user: Json | undefined): Agent | undefined {
  const id = str(user?.id) ?? str(user?.zuid) ?? str(user?.user_id);
  if (!id) return undefined;
  const full = [str(user?.first_name), str(user?.last_name)].filter(Boolean).join(' ');
  const displayName = full || str(user?.name) || str(user?.display_name);
  return { id, ...optional('displayName', displayName) };
}

const LOOKUP_PREFIX = 'cliq-lookup:';

/** Where a file named without an id is found again: the message it came in, read back from its chat. */
export function parseFileLookup(source: string | undefined): { chatId: string; messageId: string } | undefined {
  if (!source?.startsWith(LOOKUP_PREFIX)) return undefined;
  const parsed = parseJson(source.slice(LOOKUP_PREFIX.length));
  if (!isObject(parsed) || !str(parsed.chat) || !str(parsed.message)) return undefined;
  return { chatId: str(parsed.chat)!, messageId: str(parsed.message)! };
}

/**
 * `content.file` / `file` ({ id, name, type, size }). Handlers may give attachments by name only
 * (reference §5: the bot message handler's `attachments`): those carry a lookup `source`, and the
 * adapter finds their id in the chat's messages (`content.file.id`) when the core opens them.
 */
function filesOf(content: Json, message: Json, named: unknown[], where: { chatId: string; messageId: string }): ChatFileRef[] {
  const candidates = [content.file, message.file, ...(Array.isArray(content.files) ? content.files : [])];
  const files: ChatFileRef[] = [];
  for (const list of named) {
    for (const entry of Array.isArray(list) ? list : []) {
      const name = typeof entry === 'string' ? str(entry) : isObject(entry) && !str(entry.id) ? str(entry.name) ?? str(entry.file_name) : undefined;
      if (isObject(entry) && str(entry.id)) candidates.push(entry);
      if (!name || files.some((file) => file.name === name)) continue;
      files.push({ id: `${where.messageId}/${name}`, name, source: `${LOOKUP_PREFIX}${JSON.stringify({ chat: where.chatId, message: where.messageId })}` });
    }
  }
  for (const candidate of candidates) {
    if (!isObject(candidate)) continue;
    const id = str(candidate.id);
    if (!id || files.some((file) => file.id === id)) continue;
    const byName = files.findIndex((file) => file.source?.startsWith(LOOKUP_PREFIX) && file.name === str(candidate.name));
    if (byName >= 0) files.splice(byName, 1); // the same file, this time with its id
    const size = Number(candidate.size);
    files.push({
      id,
      name: str(candidate.name) ?? id,
      ...(Number.isSafeInteger(size) && size >= 0 ? { size } : {}),
      ...optional('mimeType', str(candidate.type) ?? str(candidate.mime_type)),
    });
  }
  return files;
}

function mentionNames(mentions: unknown): Map<string, string> {
  const names = new Map<string, string>();
  if (!Array.isArray(mentions)) return names;
  for (const mention of mentions) {
    if (isObject(mention) && str(mention.id) && str(mention.name)) names.set(str(mention.id)!, str(mention.name)!);
  }
  return names;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
