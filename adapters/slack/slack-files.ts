/**
 * Files on Slack (reference slack.md §8).
 *
 * Into a thread: upload v2, split where the core needs it for exactly-once. `stage` asks
 * `files.getUploadURLExternal` for an upload URL and POSTs the bytes there, streamed from disk;
 * `share` calls `files.completeUploadExternal` with `thread_ts` and the comment as `initial_comment`.
 * Slack shares asynchronously and lets no metadata ride on a file share, so a shared file is found
 * again by its file id among the thread's replies (`stagedFileKey`, read by `findPosted`).
 *
 * Out of a thread: an agent's file is downloaded from `url_private(_download)` with the bot token
 * (scope `files:read`), as a stream. The token only ever goes to Slack's own hosts.
 *
 * Bytes move with axios on Node streams rather than `fetch`: measured on 16 MB files, web streams
 * held noticeably more memory per transfer, and 30 files at once must stay well under 300 MB.
 */
import { createReadStream } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import axios, { type AxiosInstance } from 'axios';
import type { webApi } from '@slack/bolt';
import { RetryableChatError, type FileDownload, type LocalFile, type StagedFile } from '../../bot/chat-adapter.js';
import type { Logger } from '../../bot/logger.js';
import { MediaError, transferError } from '../../bot/media-errors.js';
import type { ChatFileRef, ThreadRef } from '../../bot/types.js';
import { callSlack } from './errors.js';

/** Slack's own per-file ceiling (workspace admins may set a lower one, answered as `file_upload_size_restricted`). */
export const SLACK_MAX_FILE_BYTES = 1024 * 1024 * 1024;

const STAGED_KEY_PREFIX = 'slack-file:';

/** The `findPosted` key of a shared file: Slack puts no metadata on file shares, but the file id is on the message. */
export function stagedFileKey(fileId: string): string {
  return `${STAGED_KEY_PREFIX}${fileId}`;
}

export function fileIdOfKey(key: string): string | undefined {
  return key.startsWith(STAGED_KEY_PREFIX) ? key.slice(STAGED_KEY_PREFIX.length) : undefined;
}

/** A stalled transfer (no bytes for this long) is abandoned and retried later. */
const IDLE_TIMEOUT_MS = 30_000;

export class SlackFiles {
  private readonly apiOrigin: string;
  private readonly http: AxiosInstance;

  constructor(
    private readonly client: webApi.WebClient,
    private readonly botToken: string,
    apiUrl: string,
    private readonly logger: Logger,
  ) {
    this.apiOrigin = new URL(apiUrl).origin;
    this.http = axios.create({
      timeout: IDLE_TIMEOUT_MS,
      httpAgent: new http.Agent({ keepAlive: true }),
      httpsAgent: new https.Agent({ keepAlive: true }),
      // Slack's file hosts answer directly; a redirect could carry the token elsewhere.
      maxRedirects: 0,
      maxBodyLength: Number.POSITIVE_INFINITY,
      maxContentLength: Number.POSITIVE_INFINITY,
      validateStatus: () => true,
    });
  }

  async stage(file: LocalFile): Promise<StagedFile> {
    const reserved = await callSlack('files.getUploadURLExternal', () =>
      this.client.files.getUploadURLExternal({ filename: file.name, length: file.size }),
    );
    const { upload_url: uploadUrl, file_id: fileId } = reserved;
    if (!uploadUrl || !fileId) throw new Error('Slack files.getUploadURLExternal answered ok without upload_url or file_id');
    let status: number;
    try {
      // Raw bytes streamed from disk (Slack accepts raw or multipart at the upload URL).
      const response = await this.http.post(uploadUrl, createReadStream(file.path), {
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(file.size) },
      });
      status = response.status;
    } catch (error) {
      throw new RetryableChatError(`Slack file upload failed: ${(error as Error).message}`, undefined, { cause: new Error(String(error)) });
    }
    if (status < 200 || status >= 300) {
      const message = `Slack file upload answered HTTP ${status}`;
      throw status >= 500 || status === 429 ? new RetryableChatError(message) : new Error(message);
    }
    return { id: fileId, key: stagedFileKey(fileId) };
  }

  async share(thread: ThreadRef, file: StagedFile, title: string | undefined, comment: string): Promise<void> {
    await callSlack('files.completeUploadExternal', () =>
      this.client.files.completeUploadExternal({
        files: [{ id: file.id, ...(title ? { title } : {}) }],
        channel_id: thread.channel,
        thread_ts: thread.id,
        initial_comment: comment,
      }),
    );
  }

  async open(file: ChatFileRef): Promise<FileDownload> {
    const url = file.source ?? (await this.privateUrl(file.id));
    this.checkDestination(url);
    let response;
    try {
      response = await this.http.get<Readable>(url, { responseType: 'stream', decompress: false, headers: { Authorization: `Bearer ${this.botToken}` } });
    } catch (error) {
      // Rebuilt from text: the axios error carries the request headers, the token among them.
      throw transferError(`Slack file download failed: ${axios.isAxiosError(error) ? (error.code ?? error.message) : String(error)}`);
    }
    const { status, data: body } = response;
    if (status < 200 || status >= 300) {
      body.destroy();
      const detail = `Slack file download answered HTTP ${status}`;
      if (status === 404 || status === 410) throw new MediaError({ reason: 'gone' });
      throw status >= 500 || status === 429 ? transferError(detail) : new MediaError({ reason: 'refused', detail });
    }
    // Without files:read, Slack answers a file URL with its sign-in page, as 200 text/html.
    const contentType = String(response.headers['content-type'] ?? '');
    if (contentType.startsWith('text/html') && !file.mimeType?.startsWith('text/html')) {
      body.destroy();
      this.logger.warn({ file: file.id }, 'slack: a file URL answered with a web page; does the app have the files:read scope?');
      throw new MediaError({ reason: 'refused', detail: 'Slack answered with a web page instead of the file (files:read scope missing?)' });
    }
    const length = Number(response.headers['content-length']);
    return { body, ...(Number.isSafeInteger(length) && length >= 0 ? { size: length } : {}) };
  }

  /** Files shared from another organisation arrive without URLs (`file_access: check_file_info`). */
  private async privateUrl(fileId: string): Promise<string> {
    const info = await callSlack('files.info', () => this.client.files.info({ file: fileId }));
    const url = info.file?.url_private_download ?? info.file?.url_private;
    if (!url) throw new MediaError({ reason: 'gone' });
    return url;
  }

  private checkDestination(url: string): void {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new MediaError({ reason: 'refused', detail: 'file URL is not a URL' });
    }
    const slackHost = parsed.protocol === 'https:' && (parsed.hostname === 'slack.com' || parsed.hostname.endsWith('.slack.com'));
    if (!slackHost && parsed.origin !== this.apiOrigin) {
      throw new MediaError({ reason: 'refused', detail: `file URL on ${parsed.host} is not Slack's` });
    }
  }
}
