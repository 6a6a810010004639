/**
 * Media known to the emulator: files customers "sent" (referenced by id in inbound webhooks) and
 * files the bridge uploaded. Bounded by total bytes, oldest forgotten first — which also mimics
 * Meta expiring media ids.
 */
import { createHash } from 'node:crypto';
import { newMediaId } from './ids.js';
import type { EmulatedMedia } from './types.js';

export class MediaStore {
  private readonly items = new Map<string, EmulatedMedia>();
  private totalBytes = 0;

  constructor(private readonly maxBytes: number) {}

  add(input: { data: Buffer; mimeType: string; filename?: string; origin: EmulatedMedia['origin'] }): EmulatedMedia {
    const media: EmulatedMedia = {
      id: newMediaId(),
      mimeType: input.mimeType,
      sha256: createHash('sha256').update(input.data).digest('base64'),
      size: input.data.length,
      data: input.data,
      ...(input.filename === undefined ? {} : { filename: input.filename }),
      origin: input.origin,
      at: new Date().toISOString(),
    };
    this.items.set(media.id, media);
    this.totalBytes += media.size;
    this.evictBeyondLimit();
    return media;
  }

  get(id: string): EmulatedMedia | undefined {
    return this.items.get(id);
  }

  delete(id: string): boolean {
    const media = this.items.get(id);
    if (!media) return false;
    this.items.delete(id);
    this.totalBytes -= media.size;
    return true;
  }

  all(): EmulatedMedia[] {
    return [...this.items.values()];
  }

  clear(): void {
    this.items.clear();
    this.totalBytes = 0;
  }

  private evictBeyondLimit(): void {
    for (const id of this.items.keys()) {
      if (this.totalBytes <= this.maxBytes) return;
      this.delete(id);
    }
  }
}

/**
 * Meta's supported upload types and size limits (reference §5). A JPEG or PNG may be uploaded up to
 * the document limit, because it can be sent as a document; the 5 MB image limit applies when it is
 * sent as an image (`sendProblem`).
 */
const MEDIA_LIMITS: { pattern: RegExp; maxBytes: number }[] = [
  { pattern: /^audio\/(aac|amr|mpeg|mp4|ogg)$/, maxBytes: 16 * 1024 * 1024 },
  { pattern: /^image\/(jpeg|png)$/, maxBytes: 100 * 1024 * 1024 },
  { pattern: /^image\/webp$/, maxBytes: 500 * 1024 },
  { pattern: /^video\/(mp4|3gpp)$/, maxBytes: 16 * 1024 * 1024 },
  {
    pattern:
      /^(text\/plain|application\/pdf|application\/msword|application\/vnd\.ms-excel|application\/vnd\.ms-powerpoint|application\/vnd\.openxmlformats-officedocument\.(wordprocessingml\.document|spreadsheetml\.sheet|presentationml\.presentation))$/,
    maxBytes: 100 * 1024 * 1024,
  },
];

/** `undefined` when Meta would accept the upload, else a reason. */
export function uploadProblem(mimeType: string, size: number): string | undefined {
  const baseType = mimeType.split(';')[0]?.trim().toLowerCase() ?? '';
  const limit = MEDIA_LIMITS.find((entry) => entry.pattern.test(baseType));
  if (!limit) return `Unsupported media type ${JSON.stringify(mimeType)}.`;
  if (size > limit.maxBytes) return `File size ${size} exceeds the limit of ${limit.maxBytes} bytes for ${baseType}.`;
  return undefined;
}

/** Per-message-type limits on uploaded media: `undefined` when Meta would send it, else a reason. */
export function sendProblem(type: string, media: EmulatedMedia): string | undefined {
  if (type === 'image' && media.size > 5 * 1024 * 1024) return `Image of ${media.size} bytes exceeds the 5 MB image limit; send it as a document.`;
  if (type === 'sticker' && media.mimeType !== 'image/webp') return 'Stickers must be image/webp.';
  if (type === 'image' && !/^image\/(jpeg|png)$/.test(media.mimeType)) return `An image message cannot carry ${media.mimeType}.`;
  return undefined;
}
