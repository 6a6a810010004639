/**
 * Bodies posted to `POST /webhooks/cliq` by the Deluge handlers documented in the README → what the
 * adapter does with them. Pure and defensive (Cliq's handler payloads vary, reference §6.1): never
 * throws; the thread a message belongs to is only *named* here (unconfirmed.ts U5) and resolved by
 * the adapter, which may have to ask Cliq.
 */
import type { Agent, ChatFileRef } from '../../bot/types.js';
import { cliqToWhatsApp } from './format.js';
import { commandThreadOfChat, threadOfChat } from './unconfirmed.js';

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
    text: cliqToWhatsApp(rawText, mentionNames(data.mentions ?? body.mentions)),
    files: filesOf(content, message),
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

/** `content.file` / `file` ({ id, name, type, size }); attachments given only by name cannot be fetched. */
function filesOf(content: Json, message: Json): ChatFileRef[] {
  const candidates = [content.file, message.file, ...(Array.isArray(content.files) ? content.files : [])];
  const files: ChatFileRef[] = [];
  for (const candidate of candidates) {
    if (!isObject(candidate)) continue;
    const id = str(candidate.id);
    if (!id || files.some((file) => file.id === id)) continue;
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
