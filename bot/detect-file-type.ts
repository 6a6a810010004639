/**
 * What a file really is, read from its bytes with `file-type`: a declared MIME type or a file name is
 * never trusted alone. Names are consulted only where bytes cannot tell (an OLE2 container is a .doc,
 * .xls or .ppt; plain text has no signature).
 *
 * Results use the MIME names WhatsApp's rules use (media-limits.ts), so `audio/x-m4a` becomes
 * `audio/mp4`, and OGG audio counts as WhatsApp's `audio/ogg` only when it is OPUS.
 */
import { open } from 'node:fs/promises';
import { fileTypeFromFile } from 'file-type';

export interface DetectedType {
  mimeType: string;
  /** Extension matching the bytes, without the dot. */
  extension: string;
  /** Animated WebP (a sticker with a higher size limit). */
  animated?: boolean;
}

/** OLE2 compound files: the bytes say "Office 97–2003", only the name says which application. */
const CFB_BY_EXTENSION: Record<string, string> = {
  doc: 'application/msword',
  dot: 'application/msword',
  xls: 'application/vnd.ms-excel',
  xlt: 'application/vnd.ms-excel',
  ppt: 'application/vnd.ms-powerpoint',
  pps: 'application/vnd.ms-powerpoint',
};

/** file-type names OGG audio by extension: `ogg` is Vorbis, `oga` FLAC, `spx` Speex. */
const OGG_CODEC_BY_EXTENSION: Record<string, string> = { ogg: 'vorbis', oga: 'flac', spx: 'speex' };

const HEAD_BYTES = 4096;

export async function detectFileType(path: string, nameHint?: string): Promise<DetectedType | undefined> {
  const found = await fileTypeFromFile(path);
  if (!found) return (await looksLikeText(path)) ? { mimeType: 'text/plain', extension: 'txt' } : undefined;
  const { ext, mime } = found;
  if (mime === 'audio/x-m4a') return { mimeType: 'audio/mp4', extension: 'm4a' };
  if (mime === 'audio/ogg; codecs=opus') return { mimeType: 'audio/ogg', extension: 'ogg' };
  // Vorbis, FLAC or Speex in OGG: WhatsApp plays OGG only with OPUS inside, so these keep a distinct name.
  if (mime === 'audio/ogg') return { mimeType: `audio/ogg; codecs=${OGG_CODEC_BY_EXTENSION[ext] ?? ext}`, extension: ext };
  if (mime === 'application/x-cfb') {
    const declared = extensionOf(nameHint);
    const office = declared ? CFB_BY_EXTENSION[declared] : undefined;
    return office ? { mimeType: office, extension: declared! } : { mimeType: mime, extension: ext };
  }
  if (mime === 'image/webp') return { mimeType: mime, extension: ext, animated: await isAnimatedWebp(path) };
  return { mimeType: mime, extension: ext };
}

function extensionOf(name: string | undefined): string | undefined {
  const dot = name?.lastIndexOf('.') ?? -1;
  return name && dot > 0 ? name.slice(dot + 1).toLowerCase() : undefined;
}

async function readHead(path: string, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** UTF-8 without control characters other than tab, line breaks and form feed. */
async function looksLikeText(path: string): Promise<boolean> {
  const head = await readHead(path, HEAD_BYTES);
  if (head.length === 0) return false;
  // A multi-byte character cut by the 4 KB window is not a reason to call the file binary.
  const complete = head.length === HEAD_BYTES ? head.subarray(0, lastCharacterBoundary(head)) : head;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(complete);
    return !/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/.test(text);
  } catch {
    return false;
  }
}

function lastCharacterBoundary(bytes: Buffer): number {
  let end = bytes.length;
  // Step back over continuation bytes (10xxxxxx) to the start of the last character, and drop it.
  for (let back = 1; back <= 4 && end - back >= 0; back++) {
    const byte = bytes[end - back]!;
    if ((byte & 0xc0) !== 0x80) return end - back;
  }
  return end;
}

/** RIFF/WEBP with a VP8X chunk whose animation flag (bit 1) is set. */
async function isAnimatedWebp(path: string): Promise<boolean> {
  const head = await readHead(path, 21);
  return head.length === 21 && head.toString('latin1', 12, 16) === 'VP8X' && (head[20]! & 0x02) !== 0;
}
