/**
 * Files in words: why a file could not cross, what kind of file it is, and the name a nameless file
 * gets. Every sentence comes from the catalogue, in the number's language.
 */
import { say, type Language, type MessageId } from './catalogue.js';
import { formatBytes, formatSizeAgainstLimit } from './media-limits.js';
import type { MediaProblem } from './media-errors.js';
import type { MediaKind } from './types.js';

/** "image", "voice note", "sticker", … */
export function mediaKindLabel(language: Language, kind: MediaKind | string, voice = false): string {
  const id = (kind === 'audio' && voice ? 'inbound.media.kind.voice' : `inbound.media.kind.${kind}`) as MessageId;
  return isKnownKind(kind) ? say(language, id) : kind;
}

function isKnownKind(kind: string): kind is MediaKind {
  return ['image', 'video', 'audio', 'document', 'sticker'].includes(kind);
}

/** The clause after "Not sent: invoice.pdf — …" or "The file cannot be shown here: …". */
export function mediaProblemText(language: Language, problem: MediaProblem): string {
  switch (problem.reason) {
    case 'too-large': {
      if (problem.size === undefined) return say(language, 'media.problem.too-large.unknown', { limit: formatBytes(problem.limit) });
      const sizes = formatSizeAgainstLimit(problem.size, problem.limit);
      return problem.kind
        ? say(language, 'media.problem.too-large.kind', { ...sizes, kind: mediaKindLabel(language, problem.kind) })
        : say(language, 'media.problem.too-large', sizes);
    }
    case 'type':
      return problem.mimeType
        ? say(language, 'media.problem.type', { type: problem.mimeType })
        : say(language, 'media.problem.type.unknown');
    case 'checksum':
      return say(language, 'media.problem.checksum');
    case 'gone':
      return say(language, 'media.problem.gone');
    case 'transfer':
      return say(language, 'media.problem.transfer', { detail: problem.detail });
    case 'refused':
      return say(language, 'media.problem.refused', { detail: problem.detail });
    case 'count':
      return say(language, 'media.problem.count', { limit: problem.limit });
  }
}

/** A name for a file that came without one: the kind in the number's language ("voice-note", "nota-de-voz"). */
export function fallbackFileName(language: Language, kind: MediaKind, voice = false): string {
  return mediaKindLabel(language, kind, voice).toLowerCase().replace(/\s+/g, '-');
}
