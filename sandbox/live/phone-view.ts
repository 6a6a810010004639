/**
 * What the customer's phone shows, rebuilt from the WhatsApp emulator's records: per (business
 * number, customer) chat, the customer's own messages and the business's messages with the ticks
 * WhatsApp draws from the status lifecycle (✓ sent, ✓✓ delivered, blue ✓✓ read), and reactions
 * from either side. Pure: records in, view out.
 */
import type { InboundRecord, SentMessageRecord, StatusName } from '../emulators/index.js';

export type PhoneStatus = 'pending' | StatusName;

export interface PhoneMessage {
  id: string;
  from: 'customer' | 'business';
  text: string;
  /** What kind of message, when not plain text (`image`, `template`, …), for a small label. */
  label?: string;
  /** ms; for the customer's messages the time the message claims (the sandbox can backdate it). */
  at: number;
  status?: PhoneStatus;
  /** Why a business message never reached the phone (injected failure). */
  error?: string;
  reactions: { customer?: string; business?: string };
  quoted?: { id: string; text: string };
  /** The file of a media message, served by the sandbox at `url`. */
  media?: PhoneMedia;
}

export interface PhoneMedia {
  kind: 'image' | 'video' | 'audio' | 'document' | 'sticker';
  /** `/media/whatsapp/<id>` (or the link the business sent), empty when the file is unknown. */
  url: string;
  mimeType: string;
  filename?: string;
  size?: number;
  voice?: boolean;
}

/** What the WhatsApp emulator knows about a media id (the customer's uploads and the bridge's). */
export type MediaLookup = (id: string) => { mimeType: string; filename?: string; size: number } | undefined;

const MEDIA_KINDS = new Set(['image', 'video', 'audio', 'document', 'sticker']);

export interface PhoneChat {
  numberId: string;
  waId: string;
  messages: PhoneMessage[];
}

type Json = Record<string, unknown>;

/** Keeps the furthest status WhatsApp reported for each business message; `failed` is final. */
export class StatusBoard {
  private readonly statuses = new Map<string, StatusName>();
  private static readonly ORDER: Record<StatusName, number> = { sent: 1, delivered: 2, read: 3, failed: 4 };

  record(wamid: string, status: StatusName): void {
    const current = this.statuses.get(wamid);
    if (current === undefined || StatusBoard.ORDER[status] > StatusBoard.ORDER[current]) this.statuses.set(wamid, status);
  }

  get(wamid: string): StatusName | undefined {
    return this.statuses.get(wamid);
  }
}

export function chatKey(numberId: string, waId: string): string {
  return `${numberId}:${waId}`;
}

export function buildPhoneChats(inbound: InboundRecord[], sent: SentMessageRecord[], statuses: StatusBoard, lookup: MediaLookup = () => undefined): PhoneChat[] {
  const chats = new Map<string, PhoneChat>();
  const byId = new Map<string, PhoneMessage>();
  const chatFor = (numberId: string, waId: string): PhoneChat => {
    const key = chatKey(numberId, waId);
    let chat = chats.get(key);
    if (!chat) chats.set(key, (chat = { numberId, waId, messages: [] }));
    return chat;
  };

  // Both sides in the order they happened, so a reaction always finds the message it targets.
  const timeline = [
    ...inbound.map((record) => ({ at: record.at, apply: () => applyInbound(record) })),
    ...sent.map((record) => ({ at: record.at, apply: () => applySent(record) })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  for (const entry of timeline) entry.apply();
  return [...chats.values()];

  function applyInbound(record: InboundRecord): void {
    const message = record.message;
    if (message.type === 'reaction') {
      const reaction = message.reaction as Json;
      const target = byId.get(String(reaction.message_id));
      if (target) target.reactions.customer = stringOr(reaction.emoji, '') || undefined;
      return;
    }
    const view: PhoneMessage = {
      id: record.wamid,
      from: 'customer',
      ...describeInbound(message),
      at: Number(message.timestamp) * 1000 || Date.parse(record.at),
      reactions: {},
      ...quoteOf(message),
      ...mediaOf(String(message.type), message, lookup),
    };
    chatFor(record.numberId, record.from.waId).messages.push(view);
    byId.set(view.id, view);
  }

  function applySent(record: SentMessageRecord): void {
    const body = record.body;
    if (record.type === 'reaction') {
      const reaction = body.reaction as Json;
      const target = byId.get(String(reaction.message_id));
      if (target) target.reactions.business = stringOr(reaction.emoji, '') || undefined;
      return;
    }
    const view: PhoneMessage = {
      id: record.wamid,
      from: 'business',
      ...describeSent(record.type, body),
      at: Date.parse(record.at),
      status: statuses.get(record.wamid) ?? 'pending',
      ...(record.asyncFailure ? { error: `WhatsApp error ${record.asyncFailure.code}` } : {}),
      reactions: {},
      ...quoteOf(body),
      ...mediaOf(record.type, body, lookup),
    };
    chatFor(record.numberId, record.recipientId).messages.push(view);
    byId.set(view.id, view);
  }

  function quoteOf(message: Json): { quoted?: { id: string; text: string } } {
    const context = message.context as Json | undefined;
    const id = typeof context?.id === 'string' ? context.id : typeof context?.message_id === 'string' ? context.message_id : undefined;
    if (!id) return {};
    const target = byId.get(id);
    return { quoted: { id, text: target ? target.text || target.label || '' : '…' } };
  }
}

function mediaOf(type: string, message: Json, lookup: MediaLookup): { media?: PhoneMedia } {
  if (!MEDIA_KINDS.has(type)) return {};
  const part = (message[type] ?? {}) as Json;
  const id = typeof part.id === 'string' ? part.id : undefined;
  const known = id ? lookup(id) : undefined;
  const link = typeof part.link === 'string' && /^https?:\/\//.test(part.link) ? part.link : undefined;
  const filename = stringOr(part.filename, '') || known?.filename;
  return {
    media: {
      kind: type as PhoneMedia['kind'],
      url: known && id ? `/media/whatsapp/${encodeURIComponent(id)}` : (link ?? ''),
      mimeType: stringOr(part.mime_type, '') || known?.mimeType || '',
      ...(filename ? { filename } : {}),
      ...(known ? { size: known.size } : {}),
      ...(part.voice === true ? { voice: true } : {}),
    },
  };
}

function describeInbound(message: Json): { text: string; label?: string } {
  const type = String(message.type);
  const part = (message[type] ?? {}) as Json;
  switch (type) {
    case 'text':
      return { text: stringOr(part.body, '') };
    case 'location':
      return { text: [part.name, part.address].filter(Boolean).join(', ') || `${String(part.latitude)}, ${String(part.longitude)}`, label: '📍 location' };
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker':
      return { text: stringOr(part.caption, ''), label: mediaLabel(type, part) };
    default:
      return { text: '', label: type };
  }
}

function describeSent(type: string, body: Json): { text: string; label?: string } {
  const part = (body[type] ?? {}) as Json;
  switch (type) {
    case 'text':
      return { text: stringOr(part.body, '') };
    case 'template':
      return { text: stringOr(part.name, ''), label: '📄 template' };
    case 'interactive':
      return { text: stringOr((part.body as Json | undefined)?.text, ''), label: 'interactive' };
    default:
      return MEDIA_KINDS.has(type) ? { text: stringOr(part.caption, ''), label: mediaLabel(type, part) } : { text: '', label: type };
  }
}

function mediaLabel(type: string, part: Json): string {
  if (type === 'audio' && part.voice === true) return '🎤 voice note';
  return { image: '📷 photo', video: '🎥 video', audio: '🎵 audio', document: '📄 document', sticker: '💟 sticker' }[type] ?? `📎 ${type}`;
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}
