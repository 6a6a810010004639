/**
 * Files for the upload-v2 flow (`files.getUploadURLExternal` → POST bytes → `files.completeUploadExternal`)
 * and for agents' attachments. Bytes are served at `url_private` to holders of the bot token.
 * Bounded by total bytes, oldest forgotten first.
 */
import { randomBytes } from 'node:crypto';
import type { SlackFileObject } from './types.js';

export interface StoredFile {
  id: string;
  uploadKey: string;
  filename: string;
  declaredLength: number;
  data?: Buffer;
  object?: SlackFileObject;
}

const MIME_BY_EXTENSION: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
  txt: 'text/plain',
  mp4: 'video/mp4',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  m4a: 'audio/mp4',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  zip: 'application/zip',
};

export function mimeTypeFor(filename: string): string {
  const extension = filename.split('.').at(-1)?.toLowerCase() ?? '';
  return MIME_BY_EXTENSION[extension] ?? 'application/octet-stream';
}

let fileCounter = 0;
/** Reserved-but-never-uploaded entries hold no bytes, so the byte cap alone would not bound them. */
const MAX_FILES = 10_000;

export class FileStore {
  private readonly files = new Map<string, StoredFile>();
  private readonly byUploadKey = new Map<string, string>();
  private totalBytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** Step 1 of upload v2: reserve an id and a one-time upload key. */
  reserve(filename: string, declaredLength: number): StoredFile {
    fileCounter += 1;
    const file: StoredFile = {
      id: `F0${randomBytes(4).toString('hex').toUpperCase()}${fileCounter}`,
      uploadKey: randomBytes(12).toString('hex'),
      filename,
      declaredLength,
    };
    this.files.set(file.id, file);
    this.byUploadKey.set(file.uploadKey, file.id);
    if (this.files.size > MAX_FILES) this.forget(this.files.keys().next().value as string);
    return file;
  }

  /** Step 2: the bytes arrive at the upload URL. */
  receive(uploadKey: string, data: Buffer): StoredFile | undefined {
    const id = this.byUploadKey.get(uploadKey);
    const file = id === undefined ? undefined : this.files.get(id);
    if (!file) return undefined;
    this.byUploadKey.delete(uploadKey);
    file.data = data;
    this.totalBytes += data.length;
    this.evictBeyondLimit();
    return file;
  }

  /** Step 3: the file becomes a Slack file object. */
  complete(id: string, object: SlackFileObject): void {
    const file = this.files.get(id);
    if (file) file.object = object;
  }

  get(id: string): StoredFile | undefined {
    return this.files.get(id);
  }

  clear(): void {
    this.files.clear();
    this.byUploadKey.clear();
    this.totalBytes = 0;
  }

  private evictBeyondLimit(): void {
    for (const id of this.files.keys()) {
      if (this.totalBytes <= this.maxBytes) return;
      this.forget(id);
    }
  }

  private forget(id: string): void {
    const file = this.files.get(id);
    if (!file) return;
    this.files.delete(id);
    this.byUploadKey.delete(file.uploadKey);
    this.totalBytes -= file.data?.length ?? 0;
  }
}
