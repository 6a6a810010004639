/**
 * Files through Microsoft Graph, the only way a bot can put a file into a Teams channel or read one an
 * agent attached there (teams.md §5: the Bot Connector's file APIs work in personal chats only).
 *
 * Customer files → the channel's SharePoint folder:
 *  - `GET /teams/{team-group-id}/channels/{channel-id}/filesFolder` — the channel's folder (a
 *    driveItem: its `id` and `parentReference.driveId`), remembered per channel;
 *  - up to `simpleMaxBytes` (4 MiB): `PUT /drives/{drive}/items/{folder}:/{path}:/content`, the bytes
 *    as the body;
 *  - larger: `POST /drives/{drive}/items/{folder}:/{path}:/createUploadSession`, then the bytes in
 *    ranges (multiples of 320 KiB, `Content-Range: bytes a-b/total`) `PUT` to the session's
 *    pre-authenticated `uploadUrl` **without** the Graph token; 202 until the last range, whose answer
 *    is the driveItem.
 *  Both replace a file already at that path (`@microsoft.graph.conflictBehavior=replace`), so an upload
 *  repeated after a crash lands on the same item instead of making a copy.
 *
 * Agents' files ← a SharePoint URL (the `contentUrl` of a `reference` attachment), through the shares
 * API: `GET /shares/u!{base64url(url)}/driveItem` (name, size) and `…/driveItem/content`, which answers
 * 302 to a pre-authenticated download URL, fetched without the token and streamed.
 *
 * Permissions (application, admin consent): `Sites.ReadWrite.All` covers all of it (Microsoft lists
 * only it for upload sessions); `Files.ReadWrite.All` covers simple uploads and the shares API; with
 * `Sites.Selected`, write access is granted on each team's site. Without them Graph answers 403 and
 * the adapter falls back to a notice.
 */
import { open } from 'node:fs/promises';
import { RetryableChatError } from '../../bot/chat-adapter.js';
import { statusError, TeamsApiError, type TokenSource } from './connector.js';

/** Graph's simple upload is documented up to 250 MB today, 4 MB historically: above 4 MiB, a session. */
export const GRAPH_SIMPLE_UPLOAD_MAX_BYTES = 4 * 1024 * 1024;
/** Upload session ranges must be multiples of 320 KiB (and under 60 MiB); 10 of them a request. */
export const GRAPH_UPLOAD_CHUNK_BYTES = 10 * 320 * 1024;

/** The fields of a Graph `driveItem` Puente reads. */
export interface DriveItem {
  id: string;
  name?: string;
  size?: number;
  webUrl?: string;
  eTag?: string;
  file?: { mimeType?: string } | null;
  parentReference?: { driveId?: string } | null;
}

export interface GraphFilesOptions {
  simpleMaxBytes?: number;
  chunkBytes?: number;
  timeoutMs?: number;
  /** A download may take this long in all (the body is streamed). */
  downloadTimeoutMs?: number;
}

/** A file on local disk to upload. */
export interface UploadSource {
  path: string;
  size: number;
  mimeType: string;
}

export class GraphFiles {
  private readonly folders = new Map<string, { driveId: string; id: string }>();
  private readonly simpleMaxBytes: number;
  private readonly chunkBytes: number;
  private readonly timeoutMs: number;
  private readonly downloadTimeoutMs: number;

  constructor(
    private readonly token: TokenSource,
    private readonly baseUrl: string,
    options: GraphFilesOptions = {},
  ) {
    this.simpleMaxBytes = options.simpleMaxBytes ?? GRAPH_SIMPLE_UPLOAD_MAX_BYTES;
    this.chunkBytes = options.chunkBytes ?? GRAPH_UPLOAD_CHUNK_BYTES;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.downloadTimeoutMs = options.downloadTimeoutMs ?? 10 * 60_000;
  }

  /** The channel's SharePoint folder (its drive and item id), asked once per channel. */
  async filesFolder(team: string, channel: string): Promise<{ driveId: string; id: string }> {
    const cacheKey = `${team}|${channel}`;
    const known = this.folders.get(cacheKey);
    if (known) return known;
    const item = await this.json<DriveItem>('Graph files folder', 'GET', `/teams/${encodeURIComponent(team)}/channels/${encodeURIComponent(channel)}/filesFolder`);
    const driveId = item.parentReference?.driveId;
    if (!item.id || !driveId) throw new TeamsApiError('Graph files folder', 200, 'the answer named no drive');
    const folder = { driveId, id: item.id };
    this.folders.set(cacheKey, folder);
    return folder;
  }

  /** Uploads `source` to `relativePath` under the channel's folder (replacing what is there); the item made. */
  async upload(team: string, channel: string, relativePath: string, source: UploadSource): Promise<DriveItem> {
    const folder = await this.filesFolder(team, channel);
    const target = `/drives/${encodeURIComponent(folder.driveId)}/items/${encodeURIComponent(folder.id)}:/${encodePath(relativePath)}:`;
    if (source.size <= this.simpleMaxBytes) return this.uploadSmall(target, source);
    return this.uploadInSession(target, relativePath, source);
  }

  private async uploadSmall(target: string, source: UploadSource): Promise<DriveItem> {
    const handle = await open(source.path, 'r');
    let bytes: Buffer;
    try {
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
    return this.json<DriveItem>('Graph upload', 'PUT', `${target}/content?@microsoft.graph.conflictBehavior=replace`, bytes, source.mimeType);
  }

  private async uploadInSession(target: string, relativePath: string, source: UploadSource): Promise<DriveItem> {
    const name = relativePath.split('/').pop() ?? relativePath;
    const session = await this.json<{ uploadUrl?: string }>('Graph upload session', 'POST', `${target}/createUploadSession`, {
      item: { '@microsoft.graph.conflictBehavior': 'replace', name },
    });
    const uploadUrl = session.uploadUrl;
    if (!uploadUrl) throw new TeamsApiError('Graph upload session', 200, 'the answer named no upload URL');
    const handle = await open(source.path, 'r');
    try {
      let offset = 0;
      while (offset < source.size) {
        const length = Math.min(this.chunkBytes, source.size - offset);
        const chunk = Buffer.alloc(length);
        const { bytesRead } = await handle.read(chunk, 0, length, offset);
        if (bytesRead !== length) throw new TeamsApiError('Graph upload session', 0, 'the staged file changed size');
        const end = offset + length - 1;
        let response: Response;
        try {
          // The session URL is pre-authenticated: the Graph token must not go with it.
          response = await fetch(uploadUrl, {
            method: 'PUT',
            headers: { 'content-length': String(length), 'content-range': `bytes ${offset}-${end}/${source.size}` },
            body: chunk,
            signal: AbortSignal.timeout(this.timeoutMs),
          });
        } catch (error) {
          throw new RetryableChatError(`Microsoft Graph upload failed: ${(error as Error).message}`, undefined, { cause: error });
        }
        const text = await response.text();
        if (!response.ok) {
          const error = statusError('Graph upload range', response, text);
          if (!(error instanceof RetryableChatError)) void this.cancel(uploadUrl);
          throw error;
        }
        if (response.status === 200 || response.status === 201) return parseItem('Graph upload range', response.status, text);
        // 202: the server says which bytes it still wants (normally the next range).
        offset = nextOffset(text) ?? end + 1;
      }
      throw new TeamsApiError('Graph upload session', 202, 'all bytes sent but the upload did not complete');
    } finally {
      await handle.close();
    }
  }

  private async cancel(uploadUrl: string): Promise<void> {
    try {
      await fetch(uploadUrl, { method: 'DELETE', signal: AbortSignal.timeout(this.timeoutMs) });
    } catch {
      // An abandoned session expires by itself.
    }
  }

  /** A file people shared (a SharePoint or OneDrive URL), as Graph describes it. */
  async sharedItem(url: string): Promise<DriveItem> {
    return this.json<DriveItem>('Graph shared item', 'GET', `/shares/${shareToken(url)}/driveItem?$select=id,name,size,file,webUrl`);
  }

  /** The bytes of a shared file: Graph's 302 is followed without the token; the body is not read here. */
  async openShared(url: string): Promise<Response> {
    const token = await this.bearer();
    const signal = AbortSignal.timeout(this.downloadTimeoutMs);
    let response = await this.fetchOrRetryable(`${this.base()}/shares/${shareToken(url)}/driveItem/content`, { headers: { authorization: `Bearer ${token}` }, redirect: 'manual', signal });
    for (let hops = 0; response.status >= 300 && response.status < 400; hops++) {
      const location = response.headers.get('location');
      await response.body?.cancel();
      if (!location || hops >= 3) throw new TeamsApiError('Graph download', response.status, 'a redirect without a usable location');
      const next = new URL(location, response.url || this.base());
      if (next.protocol !== 'https:' && next.protocol !== new URL(this.base()).protocol) throw new TeamsApiError('Graph download', response.status, 'a redirect to an insecure URL');
      response = await this.fetchOrRetryable(next.toString(), { redirect: 'manual', signal });
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw statusError('Graph download', response, '');
    }
    return response;
  }

  private async fetchOrRetryable(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, init);
    } catch (error) {
      throw new RetryableChatError(`Microsoft Graph request failed: ${(error as Error).message}`, undefined, { cause: error });
    }
  }

  private base(): string {
    return this.baseUrl.replace(/\/$/, '');
  }

  private async bearer(): Promise<string> {
    try {
      return await this.token();
    } catch (error) {
      throw new RetryableChatError(`Microsoft Graph: no token (${(error as Error).message})`, undefined, { cause: error });
    }
  }

  private async json<T>(operation: string, method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown, contentType?: string): Promise<T> {
    const token = await this.bearer();
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    let payload: RequestInit['body'];
    if (Buffer.isBuffer(body)) {
      headers['content-type'] = contentType ?? 'application/octet-stream';
      payload = body;
    } else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const response = await this.fetchOrRetryable(`${this.base()}${path}`, { method, headers, body: payload, signal: AbortSignal.timeout(this.timeoutMs) });
    const text = await response.text();
    if (!response.ok) throw statusError(operation, response, text);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new TeamsApiError(operation, response.status, 'the answer is not JSON');
    }
  }
}

function parseItem(operation: string, status: number, text: string): DriveItem {
  try {
    const item = JSON.parse(text) as DriveItem;
    if (item && typeof item.id === 'string') return item;
  } catch {
    // fall through
  }
  throw new TeamsApiError(operation, status, 'the answer named no item');
}

/** The first byte the upload session still expects (`nextExpectedRanges: ["26-"]`). */
function nextOffset(text: string): number | undefined {
  try {
    const ranges = (JSON.parse(text) as { nextExpectedRanges?: string[] }).nextExpectedRanges;
    const start = Number(ranges?.[0]?.split('-')[0]);
    return Number.isSafeInteger(start) && start >= 0 ? start : undefined;
  } catch {
    return undefined;
  }
}

/** A sharing URL as the shares API takes it: `u!` + unpadded base64url of the URL. */
export function shareToken(url: string): string {
  return `u!${Buffer.from(url, 'utf8').toString('base64url')}`;
}

/** A path under a folder, each segment percent-encoded (Graph's `:/path:` addressing). */
function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** A name SharePoint accepts: none of `" * : < > ? / \ | # %`, no leading or trailing dots or spaces. */
export function sharePointName(name: string): string {
  const cleaned = name.replace(/["*:<>?/\\|#%\u0000-\u001f]/g, '_').replace(/^[\s.]+|[\s.]+$/g, '');
  return cleaned === '' ? 'file' : cleaned.slice(0, 200);
}
