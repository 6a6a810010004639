/**
 * The sandbox's own HTTP server (loopback only): the page's static files from `sandbox/web/`, the
 * JSON API the page calls, and the Server-Sent Events stream that keeps it live.
 *
 *   GET  /                       the page
 *   GET  /api/state              snapshot + recent activity
 *   GET  /api/events             SSE: `state` (snapshot after each burst of changes), `activity` (one line)
 *   POST /api/customer/message   {numberId, waId, text, quotedWamid?, hoursAgo?}
 *   POST /api/customer/reaction  {numberId, waId, wamid, emoji}      ('' removes)
 *   POST /api/customer/attachment {numberId, waId, kind: photo|document|voice|sticker|video|location, caption?}  (sample files)
 *   POST /api/customer/file      {numberId, waId, name, mimeType, data (base64), caption?}  (a file from the visitor's disk)
 *   POST /api/customers          {name?} → a new customer
 *   POST /api/scenarios/window   {numberId} → a customer whose last message is 25 h old
 *   POST /api/agent/message      {channel, user, text, threadTs?, files?: [{name, data (base64), mimeType?}]}
 *                                (`/command …` runs a slash command)
 *   POST /api/agent/button       {channel, user, ts, actionId}         (block_actions)
 *   POST /api/agent/shortcut     {channel, user, ts}                   ("Puente actions" message shortcut)
 *   POST /api/agent/view-submit  {viewId, user, values: {block_id: {action_id: text}}}  (view_submission)
 *   POST /api/agent/view-close   {viewId}
 *   POST /api/agent/reaction     {channel, user, ts, name, remove?}
 *   POST /api/agent/edit         {channel, ts, text}
 *   POST /api/agent/delete       {channel, ts}
 *   POST /api/whatsapp/fail-next {code}
 *   POST /api/whatsapp/clear-failures
 *   POST /api/whatsapp/quality-alert {numberId}  (Meta flags the number: the bridge alerts #supervisors)
 *   GET  /media/whatsapp/<media-id>  bytes of a file on the phone (the customer's, or one the bridge uploaded)
 *   GET  /media/slack/<file-id>      bytes of a file in Slack (the bridge's uploads, the agents' attachments)
 */
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ActionError, MAX_UPLOAD_BYTES, type SandboxActions } from './actions.js';
import { SlackApiError } from './emulators/slack/web-api-args.js';
import type { EventStream } from './live/event-stream.js';
import type { SandboxWorld } from './world.js';

const WEB_DIR = fileURLToPath(new URL('./web/', import.meta.url));
/** Only plain file names directly under web/: no paths, so nothing outside it can be named. */
const STATIC_FILE = /^\/([a-z0-9-]+\.(?:html|css|js|svg|png))$/;
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};
const MAX_BODY_BYTES = 64 * 1024;
/** Routes that carry files (base64 in JSON: 4/3 of the bytes, plus the rest of the body). */
const FILE_ROUTES = new Set(['/api/customer/file', '/api/agent/message']);
const MAX_FILE_BODY_BYTES = Math.ceil((MAX_UPLOAD_BYTES * 4) / 3) + 64 * 1024;
/** Served inline: the page shows these. Anything else downloads, so a file never runs as a page. */
const INLINE_MEDIA = /^(image\/(png|jpeg|gif|webp)|audio\/[\w.+-]+|video\/[\w.+-]+|application\/pdf)$/;

type Action = (input: Record<string, unknown>) => unknown;

export interface SandboxServerOptions {
  world: SandboxWorld;
  actions: SandboxActions;
  stream: EventStream;
}

export class SandboxServer {
  private readonly server: http.Server;
  private readonly routes: Record<string, Action>;

  constructor(private readonly options: SandboxServerOptions) {
    const { actions } = options;
    this.routes = {
      '/api/customer/message': (input) => actions.customerMessage(input),
      '/api/customer/reaction': (input) => actions.customerReaction(input),
      '/api/customer/attachment': (input) => actions.customerAttachment(input),
      '/api/customer/file': (input) => actions.customerFile(input),
      '/api/customers': (input) => actions.newCustomer(input),
      '/api/scenarios/window': (input) => actions.windowScenario(input),
      '/api/agent/message': (input) => actions.agentMessage(input),
      '/api/agent/reaction': (input) => actions.agentReaction(input),
      '/api/agent/edit': (input) => actions.agentEdit(input),
      '/api/agent/delete': (input) => actions.agentDelete(input),
      '/api/agent/button': (input) => actions.agentButton(input),
      '/api/agent/shortcut': (input) => actions.agentShortcut(input),
      '/api/agent/view-submit': (input) => actions.viewSubmit(input),
      '/api/agent/view-close': (input) => actions.viewClose(input),
      '/api/whatsapp/fail-next': (input) => actions.armFailure(input),
      '/api/whatsapp/clear-failures': () => actions.disarmFailures(),
      '/api/whatsapp/quality-alert': (input) => actions.qualityAlert(input),
    };
    this.server = http.createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) sendJson(response, 500, { error: error instanceof Error ? error.message : String(error) });
        else response.end();
      });
    });
  }

  /** Listens on 127.0.0.1:`port` (0 = any free port); resolves with the port. */
  async listen(port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.options.stream.close();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method === 'GET') {
      if (path === '/api/events') return this.options.stream.open(response);
      if (path === '/api/state') return sendJson(response, 200, { ...this.options.world.snapshot(), activity: this.options.world.activity.recent() });
      if (path.startsWith('/media/')) return this.serveMedia(path, response);
      return serveStatic(path === '/' ? '/index.html' : path, response);
    }
    const action = request.method === 'POST' ? this.routes[path] : undefined;
    if (!action) return sendJson(response, 404, { error: `no route ${request.method} ${path}` });
    // Only JSON bodies: a cross-site form cannot send them without a CORS preflight, which this server never grants.
    if (!(request.headers['content-type'] ?? '').startsWith('application/json')) return sendJson(response, 415, { error: 'send application/json' });
    let input: Record<string, unknown>;
    try {
      input = await readJson(request, FILE_ROUTES.has(path) ? MAX_FILE_BODY_BYTES : MAX_BODY_BYTES);
    } catch (error) {
      return sendJson(response, 400, { error: (error as Error).message });
    }
    try {
      const result = await action(input);
      sendJson(response, 200, result ?? { ok: true });
    } catch (error) {
      // ActionError: bad input. The emulators throw for impossible actions (e.g. `already_reacted`): also the caller's doing.
      if (error instanceof ActionError || isEmulatorRefusal(error)) return sendJson(response, 400, { error: (error as Error).message });
      throw error;
    }
  }

  /** A file's bytes from the emulators, for the page's previews, players and download links. */
  private serveMedia(path: string, response: http.ServerResponse): void {
    const match = /^\/media\/(whatsapp|slack)\/([A-Za-z0-9._-]{1,100})$/.exec(path);
    const { whatsapp, slack } = this.options.world;
    let file: { data: Buffer; mimeType: string; name?: string } | undefined;
    if (match?.[1] === 'whatsapp') {
      const media = whatsapp.mediaById(match[2]!);
      if (media) file = { data: media.data, mimeType: media.mimeType, ...(media.filename ? { name: media.filename } : {}) };
    } else if (match?.[1] === 'slack') {
      const data = slack.fileContent(match[2]!);
      const info = slack.fileInfo(match[2]!);
      if (data && info) file = { data, mimeType: info.mimetype, name: info.name };
    }
    if (!file) return sendJson(response, 404, { error: 'no such file' });
    const mimeType = file.mimeType.split(';')[0]!.trim().toLowerCase();
    const inline = INLINE_MEDIA.test(mimeType);
    const name = (file.name ?? 'file').replace(/[^\w.\- ]/g, '_');
    response.writeHead(200, {
      'content-type': inline ? mimeType : 'application/octet-stream',
      'content-length': String(file.data.length),
      'content-disposition': `${inline ? 'inline' : 'attachment'}; filename="${name}"`,
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, max-age=3600',
    });
    response.end(file.data);
  }
}

async function serveStatic(path: string, response: http.ServerResponse): Promise<void> {
  const name = STATIC_FILE.exec(path)?.[1];
  if (!name) return sendJson(response, 404, { error: 'not found' });
  try {
    const body = await readFile(join(WEB_DIR, name));
    response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(name)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    response.end(body);
  } catch {
    sendJson(response, 404, { error: 'not found' });
  }
}

function sendJson(response: http.ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify(value));
}

async function readJson(request: http.IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new Error(`body over ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const value = text === '' ? {} : (JSON.parse(text) as unknown);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('body must be a JSON object');
  return value as Record<string, unknown>;
}

/** The emulators refuse impossible human actions with a named error (Slack's `already_reacted`, an unknown message…). */
function isEmulatorRefusal(error: unknown): boolean {
  return error instanceof SlackApiError || (error instanceof Error && /^(SlackEmulator|WhatsAppEmulator):/.test(error.message));
}
