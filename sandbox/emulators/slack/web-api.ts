/**
 * The HTTP face of the Slack emulator:
 *   GET|POST /api/<method>          Web API (form-encoded or JSON; token in Authorization or `token`)
 *   POST     /upload/v1/<key>       upload-v2 byte upload (URL from files.getUploadURLExternal)
 *   GET      /files-pri/<team>-<id>/<name>   file download, bot token required
 * Also applies injected rate limits (HTTP 429 + Retry-After) and injected method errors.
 */
import { jsonResponse, type EmulatorRequest, type EmulatorResponse } from '../shared/loopback-server.js';
import { parseRequestBody } from '../shared/request-body.js';
import { chatMethods } from './chat-methods.js';
import { fileMethods, UPLOAD_PATH_PREFIX } from './file-methods.js';
import { readMethods } from './read-methods.js';
import { viewMethods } from './view-methods.js';
import { SlackApiError, WebApiArgs } from './web-api-args.js';
import type { MethodContext, MethodHandler } from './method-context.js';
import type { WebApiCallRecord } from './types.js';

const METHODS: Record<string, MethodHandler> = { ...chatMethods, ...readMethods, ...fileMethods, ...viewMethods };

export interface WebApiConfig {
  botToken: string;
  /** Everything a handler needs except `echo`, which is bound per request. */
  context: Omit<MethodContext, 'echo'>;
  echoMode: false | 'after-response' | 'before-response';
  deliverEcho: (event: Record<string, unknown>) => Promise<unknown>;
  track: (work: Promise<unknown>) => void;
  record: (call: WebApiCallRecord) => void;
}

interface InjectedResponse {
  kind: 'rate-limit' | 'error';
  retryAfterSec?: number;
  error?: string;
}

export class WebApi {
  private readonly injected = new Map<string, InjectedResponse[]>();

  constructor(private readonly config: WebApiConfig) {}

  rateLimitNext(method: string, count: number, retryAfterSec: number): void {
    this.inject(method, count, { kind: 'rate-limit', retryAfterSec });
  }

  failNext(method: string, count: number, error: string): void {
    this.inject(method, count, { kind: 'error', error });
  }

  clearInjections(): void {
    this.injected.clear();
  }

  async handle(request: EmulatorRequest): Promise<EmulatorResponse> {
    const path = request.url.pathname;
    if (path.startsWith('/api/')) return this.handleMethod(decodeURIComponent(path.slice('/api/'.length)), request);
    if (request.method === 'POST' && path.startsWith(UPLOAD_PATH_PREFIX)) return this.handleUpload(path.slice(UPLOAD_PATH_PREFIX.length), request);
    if (request.method === 'GET' && path.startsWith('/files-pri/')) return this.handleDownload(path, request);
    return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found' };
  }

  private inject(method: string, count: number, response: InjectedResponse): void {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`);
    const queue = this.injected.get(method) ?? [];
    for (let i = 0; i < count; i++) queue.push(response);
    this.injected.set(method, queue);
  }

  private async handleMethod(method: string, request: EmulatorRequest): Promise<EmulatorResponse> {
    const contentType = request.headers['content-type'] ?? '';
    const parsed = await parseRequestBody(contentType, request.body);
    const args: Record<string, unknown> = Object.fromEntries(request.url.searchParams);
    if (parsed.kind === 'json' && typeof parsed.value === 'object' && parsed.value !== null) Object.assign(args, parsed.value);
    if (parsed.kind === 'form' || parsed.kind === 'multipart') Object.assign(args, parsed.fields);
    const token = bearerToken(request.headers.authorization) ?? (typeof args.token === 'string' ? args.token : undefined);
    delete args.token;
    const authorized = token === this.config.botToken;

    let httpStatus = 200;
    let headers: Record<string, string> = {};
    let body: Record<string, unknown>;
    const echoes: Record<string, unknown>[] = [];
    if (parsed.kind === 'invalid') body = { ok: false, error: 'invalid_form_data', response_metadata: { messages: [`[ERROR] ${parsed.reason}`] } };
    else if (token === undefined) body = { ok: false, error: 'not_authed' };
    else if (!authorized) body = { ok: false, error: 'invalid_auth' };
    else {
      const injected = this.injected.get(method)?.shift();
      if (injected?.kind === 'rate-limit') {
        httpStatus = 429;
        headers = { 'retry-after': String(injected.retryAfterSec ?? 1) };
        body = { ok: false, error: 'ratelimited' };
      } else if (injected?.kind === 'error') {
        body = { ok: false, error: injected.error };
      } else {
        body = this.invoke(method, new WebApiArgs(args), echoes);
      }
    }
    const call: WebApiCallRecord = { method, args, contentType, authorized, httpStatus, response: body, at: new Date().toISOString() };
    this.config.record(call);
    await this.deliverEchoes(echoes);
    return jsonResponse(httpStatus, body, headers);
  }

  private invoke(method: string, args: WebApiArgs, echoes: Record<string, unknown>[]): Record<string, unknown> {
    const handler = METHODS[method];
    if (!handler) return { ok: false, error: 'unknown_method', req_method: method };
    try {
      return handler(args, { ...this.config.context, echo: (event) => echoes.push(event) });
    } catch (error) {
      if (!(error instanceof SlackApiError)) throw error;
      return { ok: false, error: error.error, ...(error.detail ? { response_metadata: { messages: [error.detail] } } : {}) };
    }
  }

  /** Real Slack may deliver the echo before the API answer reaches the caller; `before-response` forces that order. */
  private async deliverEchoes(echoes: Record<string, unknown>[]): Promise<void> {
    if (this.config.echoMode === false || echoes.length === 0) return;
    const deliverAll = async () => {
      for (const event of echoes) await this.config.deliverEcho(event);
    };
    if (this.config.echoMode === 'before-response') {
      await deliverAll();
      return;
    }
    this.config.track(new Promise((resolve) => setImmediate(resolve)).then(deliverAll));
  }

  private async handleUpload(uploadKey: string, request: EmulatorRequest): Promise<EmulatorResponse> {
    const parsed = await parseRequestBody(request.headers['content-type'], request.body);
    // @slack/web-api posts a Buffer as multipart field `body`, a string as form field `body`; curl-style clients post raw bytes.
    let data: Buffer = request.body;
    if (parsed.kind === 'multipart') data = Object.values(parsed.files)[0]?.data ?? Buffer.from(parsed.fields.body ?? '', 'utf8');
    else if (parsed.kind === 'form' && parsed.fields.body !== undefined) data = Buffer.from(parsed.fields.body, 'utf8');
    const file = this.config.context.files.receive(uploadKey, data);
    if (!file) return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'upload URL unknown or already used' };
    return { status: 200, headers: { 'content-type': 'text/plain' }, body: `OK - ${data.length}` };
  }

  private handleDownload(path: string, request: EmulatorRequest): EmulatorResponse {
    if (bearerToken(request.headers.authorization) !== this.config.botToken) {
      return { status: 401, headers: { 'content-type': 'text/plain' }, body: 'Unauthorized: files need Authorization: Bearer <bot token>' };
    }
    const fileId = /^\/files-pri\/[A-Z0-9]+-(F[A-Z0-9]+)\//.exec(path)?.[1];
    const file = fileId === undefined ? undefined : this.config.context.files.get(fileId);
    if (!file?.data || !file.object) return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found' };
    return { status: 200, headers: { 'content-type': file.object.mimetype, 'content-length': String(file.data.length) }, body: file.data };
  }
}

function bearerToken(header: string | undefined): string | undefined {
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
}
