/**
 * File names from customers and agents are untrusted text that ends up on disk-like places (Slack's
 * file list, WhatsApp's document bubble, an agent's Downloads folder). They lose any path, control
 * and direction-override characters, and they end in the extension of what the bytes really are,
 * so "invoice.pdf" that is really an executable cannot pass for a PDF.
 */

/** C0/C1 controls, and the bidirectional overrides that make "txt.exe" display as "exe.txt". */
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const MAX_NAME_LENGTH = 120;

/** Extensions that name the same type, so "photo.jpeg" is not renamed "photo.jpeg.jpg". */
const SAME_TYPE: Record<string, readonly string[]> = {
  jpg: ['jpg', 'jpeg', 'jpe', 'jfif'],
  mp4: ['mp4', 'm4v'],
  m4a: ['m4a', 'mp4'],
  '3gp': ['3gp', '3gpp'],
  txt: ['txt', 'text', 'csv', 'log', 'md'],
  opus: ['opus', 'ogg', 'oga'],
  ogg: ['ogg', 'oga', 'opus'],
  mp3: ['mp3', 'mpga'],
  tif: ['tif', 'tiff'],
};

/**
 * A safe file name: the last path segment of `name` (or `fallback` when nothing usable is left),
 * without unsafe characters, at most MAX_NAME_LENGTH characters, ending in `extension` (the detected
 * type's) unless it already ends in an equivalent one.
 */
export function safeFileName(name: string | undefined, fallback: string, extension?: string): string {
  let base = lastSegment(name ?? '').replace(UNSAFE_CHARACTERS, '').normalize('NFC').trim();
  // Leading dots hide files and "..": trailing dots and spaces are dropped by Windows anyway.
  base = base.replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
  if (base === '') base = lastSegment(fallback).replace(UNSAFE_CHARACTERS, '').trim() || 'file';
  const ext = extension?.toLowerCase().replace(/^\./, '');
  if (ext && !hasExtension(base, ext)) base = `${base}.${ext}`;
  return shorten(base);
}

function lastSegment(name: string): string {
  const segments = name.split(/[/\\]/);
  return segments.at(-1) ?? '';
}

function hasExtension(name: string, extension: string): boolean {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return false;
  const current = name.slice(dot + 1).toLowerCase();
  return current === extension || (SAME_TYPE[extension]?.includes(current) ?? false);
}

/** Keeps the extension when cutting a long name. */
function shorten(name: string): string {
  const characters = [...name];
  if (characters.length <= MAX_NAME_LENGTH) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= 10 ? name.slice(dot) : '';
  const keep = MAX_NAME_LENGTH - [...extension].length;
  return `${[...name.slice(0, name.length - extension.length)].slice(0, keep).join('').trimEnd()}${extension}`;
}
