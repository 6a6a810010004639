/**
 * Media on the Graph API (reference whatsapp-cloud-api.md §5), used by GraphClient with its own
 * HTTP client, so the token, timeouts and keep-alive stay in one place:
 *
 * - a customer's media: the webhook's `url` when there is one, else `GET /{media-id}`; the URL lives
 *   five minutes, so a 404 or 410 on it means "expired": the id is resolved again, once;
 * - the download is a stream (never buffered here) that needs the Bearer token; a length known in
 *   advance (`file_size`, Content-Length) over the caller's limit is refused before any byte is read;
 * - an upload is multipart (`messaging_product`, `type`, `file`) streamed from disk.
 *
 * Download problems leave as MediaError; upload problems as WhatsAppSendError, like sends.
 */
import { openAsBlob } from 'node:fs';
import type { Readable } from 'node:stream';
import axios, { type AxiosInstance, type AxiosRequestConfig } from 'axios';
import { MediaError, transferError } from '../../bot/media-errors.js';
import { WhatsAppSendError, type MediaDownload, type MediaUpload } from '../../bot/whatsapp-port.js';

/** GraphClient's one call path: auth, error classification and logging. */
export type GraphRequest = <T>(
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  data: unknown,
  log: { numberId: string; operation: string },
  config?: AxiosRequestConfig,
) => Promise<T>;

interface MediaInfo {
  url: string;
  size?: number;
  sha256?: string;
}

export class GraphMedia {
  /** Origin of the configured Graph URL: the token may travel there over plain http (local emulators). */
  private readonly apiOrigin: string;

  constructor(
    private readonly http: AxiosInstance,
    private readonly request: GraphRequest,
    apiUrl: string,
  ) {
    this.apiOrigin = new URL(apiUrl).origin;
  }

  async open(numberId: string, media: { mediaId: string; url?: string }, maxBytes?: number): Promise<MediaDownload> {
    if (media.url) {
      const download = await this.download(media.url, maxBytes);
      if (download !== 'expired') return download;
    }
    const info = await this.lookup(numberId, media.mediaId);
    if (maxBytes !== undefined && info.size !== undefined && info.size > maxBytes) {
      throw new MediaError({ reason: 'too-large', size: info.size, limit: maxBytes });
    }
    const download = await this.download(info.url, maxBytes);
    if (download === 'expired') throw new MediaError({ reason: 'gone' });
    return { ...download, size: download.size ?? info.size, ...(info.sha256 ? { sha256: info.sha256 } : {}) };
  }

  async upload(numberId: string, file: MediaUpload): Promise<{ mediaId: string }> {
    const form = new FormData();
    form.append('messaging_product', 'whatsapp');
    form.append('type', file.mimeType);
    // A file-backed Blob: axios streams it from disk, so a 16 MB upload never sits in memory.
    form.append('file', await openAsBlob(file.path, { type: file.mimeType }), file.name);
    const data = await this.request<{ id?: unknown }>('POST', `/${encodeURIComponent(numberId)}/media`, form, { numberId, operation: 'upload media' }, {
      // The client's default JSON content type would make axios serialise the form as JSON.
      headers: { 'Content-Type': 'multipart/form-data' },
      maxBodyLength: Number.POSITIVE_INFINITY,
    });
    if (typeof data?.id !== 'string' || data.id === '') {
      throw new WhatsAppSendError('WhatsApp accepted the upload but returned no media id', 'retry', { code: 0, message: 'upload answer without id' });
    }
    return { mediaId: data.id };
  }

  /** `GET /{media-id}`: a fresh URL, and the size and checksum when Graph gives them. */
  private async lookup(numberId: string, mediaId: string): Promise<MediaInfo> {
    let data: { url?: unknown; file_size?: unknown; sha256?: unknown };
    try {
      const query = new URLSearchParams({ phone_number_id: numberId });
      data = await this.request('GET', `/${encodeURIComponent(mediaId)}?${query}`, undefined, { numberId, operation: 'media lookup' });
    } catch (error) {
      throw lookupFailure(error);
    }
    if (typeof data?.url !== 'string' || data.url === '') throw transferError('media lookup answered without a url');
    const size = Number(data.file_size); // a string in Graph's answers
    return {
      url: data.url,
      ...(Number.isSafeInteger(size) && size >= 0 ? { size } : {}),
      ...(typeof data.sha256 === 'string' && data.sha256 !== '' ? { sha256: data.sha256 } : {}),
    };
  }

  /** Opens the bytes at `url`; 'expired' for the 404/410 Meta gives once a media URL is past its life. */
  private async download(url: string, maxBytes?: number): Promise<{ body: Readable; size?: number } | 'expired'> {
    this.checkDestination(url);
    let response;
    try {
      response = await this.http.get<Readable>(url, { responseType: 'stream', validateStatus: () => true, decompress: false });
    } catch (error) {
      throw transferError(`media download failed: ${axios.isAxiosError(error) ? (error.code ?? error.message) : String(error)}`);
    }
    const body = response.data;
    const status = response.status;
    if (status === 404 || status === 410) {
      body.destroy();
      return 'expired';
    }
    if (status < 200 || status >= 300) {
      body.destroy();
      const detail = `media download answered HTTP ${status}`;
      throw status >= 500 || status === 429 || status === 408 ? transferError(detail) : new MediaError({ reason: 'refused', detail });
    }
    const length = Number(response.headers['content-length']);
    const size = Number.isSafeInteger(length) && length >= 0 ? length : undefined;
    if (maxBytes !== undefined && size !== undefined && size > maxBytes) {
      body.destroy();
      throw new MediaError({ reason: 'too-large', size, limit: maxBytes });
    }
    return { body, ...(size === undefined ? {} : { size }) };
  }

  /** The access token goes with the download: never over plain http to anywhere but the configured API. */
  private checkDestination(url: string): void {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new MediaError({ reason: 'refused', detail: 'media URL is not a URL' });
    }
    if (parsed.protocol !== 'https:' && parsed.origin !== this.apiOrigin) {
      throw new MediaError({ reason: 'refused', detail: `media URL on ${parsed.protocol}//${parsed.host} refused (https only)` });
    }
  }
}

function lookupFailure(error: unknown): MediaError {
  if (error instanceof MediaError) return error;
  if (error instanceof WhatsAppSendError) {
    // Graph answers an unknown (or expired: ids live 7 days) media id with 404 / code 100.
    if (error.httpStatus === 404 || error.info.code === 100) return new MediaError({ reason: 'gone' }, { cause: error });
    const detail = `WhatsApp error ${error.info.code}: ${error.info.details ?? error.info.message ?? ''}`.trim();
    const transient = error.action === 'retry' || error.action === 'retry-pair-rate';
    return transient ? transferError(detail, error) : new MediaError({ reason: 'refused', detail }, { cause: error });
  }
  return transferError(String(error), error);
}
