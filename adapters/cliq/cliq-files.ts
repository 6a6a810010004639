/**
 * Files on Cliq (reference zoho-cliq.md §5).
 *
 * Into a thread: Cliq has no "upload now, show later" API (a file goes up as a multipart message),
 * so staging keeps the verified file in the adapter's own directory under a fresh id (the core
 * releases its spool copy right after `stageFile`), and sharing posts it into the thread
 * (unconfirmed.ts U2), then deletes the staged copy. A staged id whose copy is gone (shared, or the
 * disk was wiped) is refused, and the core fetches the file again.
 *
 * Out of a thread: `GET /api/v2/files/{id}` (scope ZohoCliq.Attachments.READ, 20/min/user), streamed.
 */
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { openAsBlob } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { RetryableChatError, type FileDownload, type LocalFile, type StagedFile } from '../../bot/chat-adapter.js';
import { MediaError, transferError } from '../../bot/media-errors.js';
import type { ChatFileRef } from '../../bot/types.js';
import { CliqApiError, type CliqClient } from './client.js';
import { fileUploadFields, fileUploadPath, rateClassesOf } from './unconfirmed.js';

const STAGED_KEY_PREFIX = 'cliq-file:';

export function stagedFileKey(id: string): string {
  return `${STAGED_KEY_PREFIX}${id}`;
}

export class CliqFiles {
  constructor(
    private readonly client: CliqClient,
    private readonly stagingDir: string,
    private readonly botUniqueName: string,
  ) {}

  async stage(file: LocalFile): Promise<StagedFile> {
    const id = randomUUID();
    const dir = join(this.stagingDir, id);
    await mkdir(dir, { recursive: true });
    await copyFile(file.path, join(dir, file.name));
    return { id, key: stagedFileKey(id) };
  }

  /** Posts the staged file into the thread headed by `parentMessageId`; resolves with Cliq's message id when given. */
  async share(channel: string, parentMessageId: string, staged: StagedFile, text: string): Promise<string | undefined> {
    if (!/^[\w-]+$/.test(staged.id)) throw new Error(`not a Cliq staged file id: ${staged.id}`);
    const dir = join(this.stagingDir, staged.id);
    const names = await readdir(dir).catch(() => [] as string[]);
    const name = names[0];
    if (!name) throw new Error(`Cliq staged file ${staged.id} is no longer on disk`);
    const form = new FormData();
    form.append('text', text);
    for (const [key, value] of Object.entries(fileUploadFields(parentMessageId))) form.append(key, value);
    form.append('attachments', await openAsBlob(join(dir, name)), name);
    const response = await this.client.call<{ message_id?: unknown; id?: unknown }>({
      method: 'POST',
      path: fileUploadPath(channel),
      params: { bot_unique_name: this.botUniqueName },
      data: form,
      rate: rateClassesOf('reply'),
    });
    await rm(dir, { recursive: true, force: true });
    const messageId = response.data?.message_id ?? response.data?.id;
    return typeof messageId === 'string' || typeof messageId === 'number' ? String(messageId) : undefined;
  }

  async open(file: ChatFileRef): Promise<FileDownload> {
    let response;
    try {
      response = await this.client.call<Readable>({
        method: 'GET',
        path: `/api/v2/files/${encodeURIComponent(file.id)}`,
        responseType: 'stream',
        rate: rateClassesOf('download'),
      });
    } catch (error) {
      if (error instanceof RetryableChatError) throw transferError(error.message);
      if (error instanceof CliqApiError) {
        if (error.status === 404 || error.status === 410) throw new MediaError({ reason: 'gone' });
        throw new MediaError({ reason: 'refused', detail: error.message });
      }
      throw error;
    }
    const length = Number(response.headers['content-length']);
    return { body: response.data, ...(Number.isSafeInteger(length) && length >= 0 ? { size: length } : {}) };
  }
}
