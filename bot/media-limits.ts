/**
 * The one place that knows how big a file may be and what type it may have, per destination.
 *
 * - The bridge's own promise (`BRIDGE_FILE_LIMITS`) holds in both directions.
 * - WhatsApp's rules (`WHATSAPP_MEDIA_RULES`, reference whatsapp-cloud-api.md §5) decide how an
 *   agent's file is sent: as an image, video, audio, sticker or document, or not at all.
 * - Each chat tool declares its own ceiling in `ChatCapabilities.maxFileBytes` (adapters/<tool>/).
 *
 * The stricter limit always wins, and limits are checked before any upload and, whenever the size
 * is known in advance, before any download.
 */
import type { MediaKind } from './types.js';
import type { MediaProblem } from './media-errors.js';

export const KiB = 1024;
export const MiB = 1024 * KiB;

export interface FileLimits {
  /** Largest single file, in bytes. */
  maxFileBytes: number;
  /** Most files one message may carry. */
  maxFilesPerMessage: number;
}

/** What the product promises whatever the chat tool: files up to 16 MB, up to 30 per message. */
export const BRIDGE_FILE_LIMITS: FileLimits = { maxFileBytes: 16 * MiB, maxFilesPerMessage: 30 };

export interface WhatsAppMediaRule {
  /** Canonical MIME types WhatsApp accepts for this kind (see `detect-file-type.ts` for the mapping). */
  mimeTypes: readonly string[];
  maxBytes: number;
  /** Whether a message of this kind can carry a caption. */
  caption: boolean;
}

export const WHATSAPP_DOCUMENT_TYPES = [
  'text/plain',
  'application/pdf',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
] as const;

/** WhatsApp Cloud API's supported media (reference §5). Audio in OGG must be OPUS: see `detect-file-type.ts`. */
export const WHATSAPP_MEDIA_RULES: Readonly<Record<MediaKind, WhatsAppMediaRule>> = {
  image: { mimeTypes: ['image/jpeg', 'image/png'], maxBytes: 5 * MiB, caption: true },
  video: { mimeTypes: ['video/mp4', 'video/3gpp'], maxBytes: 16 * MiB, caption: true },
  audio: { mimeTypes: ['audio/aac', 'audio/amr', 'audio/mpeg', 'audio/mp4', 'audio/ogg'], maxBytes: 16 * MiB, caption: false },
  sticker: { mimeTypes: ['image/webp'], maxBytes: 100 * KiB, caption: false },
  document: { mimeTypes: WHATSAPP_DOCUMENT_TYPES, maxBytes: 100 * MiB, caption: true },
};

/** Animated stickers may be larger than static ones. */
export const WHATSAPP_ANIMATED_STICKER_MAX_BYTES = 500 * KiB;
export const WHATSAPP_CAPTION_LIMIT = 1024;
export const WHATSAPP_FILE_LIMITS: FileLimits = { maxFileBytes: WHATSAPP_MEDIA_RULES.document.maxBytes, maxFilesPerMessage: 30 };

/** The stricter of several declared limits (a missing field does not loosen anything). */
export function stricterLimits(...limits: Partial<FileLimits>[]): FileLimits {
  return {
    maxFileBytes: Math.min(...limits.map((limit) => limit.maxFileBytes ?? Number.POSITIVE_INFINITY)),
    maxFilesPerMessage: Math.min(...limits.map((limit) => limit.maxFilesPerMessage ?? Number.POSITIVE_INFINITY)),
  };
}

/** Limits for customers' files going into a chat tool that declares `maxFileBytes`. */
export function limitsIntoChat(chatMaxFileBytes: number): FileLimits {
  return stricterLimits(BRIDGE_FILE_LIMITS, { maxFileBytes: chatMaxFileBytes });
}

/** Limits for agents' files going to WhatsApp from a chat tool that declares `maxFileBytes`. */
export function limitsToWhatsApp(chatMaxFileBytes: number): FileLimits {
  return stricterLimits(BRIDGE_FILE_LIMITS, WHATSAPP_FILE_LIMITS, { maxFileBytes: chatMaxFileBytes });
}

/** A file as the bridge knows it once its bytes were read: detected type and real size. */
export interface TypedFile {
  mimeType: string;
  size: number;
  /** WebP only: an animated sticker has a higher size limit. */
  animated?: boolean;
}

export interface WhatsAppFilePlan {
  kind: MediaKind;
  mimeType: string;
  caption: boolean;
}

/**
 * How WhatsApp takes a file, or why it cannot: the per-kind rules of `WHATSAPP_MEDIA_RULES`, inside
 * the overall `limits`. An image too large for an image message goes as a document when it fits.
 */
export function planWhatsAppFile(file: TypedFile, limits: FileLimits): WhatsAppFilePlan | MediaProblem {
  const kind = kindFor(file.mimeType);
  if (!kind) return { reason: 'type', mimeType: file.mimeType };
  if (file.size > limits.maxFileBytes) return { reason: 'too-large', size: file.size, limit: limits.maxFileBytes };
  const plan = (as: MediaKind): WhatsAppFilePlan => ({ kind: as, mimeType: file.mimeType, caption: WHATSAPP_MEDIA_RULES[as].caption });
  if (kind === 'sticker') {
    const limit = file.animated ? WHATSAPP_ANIMATED_STICKER_MAX_BYTES : WHATSAPP_MEDIA_RULES.sticker.maxBytes;
    // WhatsApp shows WebP only as a sticker, and a document may not be WebP: there is no fallback.
    return file.size <= limit ? plan('sticker') : { reason: 'too-large', size: file.size, limit, kind: 'sticker' };
  }
  const limit = Math.min(WHATSAPP_MEDIA_RULES[kind].maxBytes, limits.maxFileBytes);
  if (file.size <= limit) return plan(kind);
  if (kind === 'image') {
    const documentLimit = Math.min(WHATSAPP_MEDIA_RULES.document.maxBytes, limits.maxFileBytes);
    if (file.size <= documentLimit) return plan('document');
  }
  return { reason: 'too-large', size: file.size, limit, kind };
}

function kindFor(mimeType: string): MediaKind | undefined {
  for (const kind of Object.keys(WHATSAPP_MEDIA_RULES) as MediaKind[]) {
    if (WHATSAPP_MEDIA_RULES[kind].mimeTypes.includes(mimeType)) return kind;
  }
  return undefined;
}

export function isWhatsAppPlan(value: WhatsAppFilePlan | MediaProblem): value is WhatsAppFilePlan {
  return 'kind' in value && !('reason' in value);
}

/**
 * Before download only the chat tool's declared type is known: a guess, used solely to decide where
 * the agent's text goes (caption of the first file, or its own message). The bytes decide the rest.
 */
export function declaredTypeTakesCaption(mimeType: string | undefined): boolean {
  if (!mimeType) return true;
  return !(mimeType.startsWith('audio/') || mimeType === 'image/webp');
}

/** A byte count as people read it: "16 MB", "4.2 MB", "100 KB", "512 bytes". */
export function formatBytes(bytes: number): string {
  if (bytes >= MiB) return `${trimZero((bytes / MiB).toFixed(1))} MB`;
  if (bytes >= KiB) return `${trimZero((bytes / KiB).toFixed(1))} KB`;
  return `${bytes} bytes`;
}

/** Two sizes that must read differently (a file one byte over the limit is not "16 MB" next to "16 MB"). */
export function formatSizeAgainstLimit(size: number, limit: number): { size: string; limit: string } {
  const sizeText = formatBytes(size);
  const limitText = formatBytes(limit);
  if (sizeText !== limitText || size === limit) return { size: sizeText, limit: limitText };
  return { size: `${size.toLocaleString('en')} bytes`, limit: `${limit.toLocaleString('en')} bytes` };
}

function trimZero(text: string): string {
  return text.endsWith('.0') ? text.slice(0, -2) : text;
}
