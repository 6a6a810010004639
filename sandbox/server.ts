/**
 * The sandbox's own HTTP server (loopback only): the page's static files from `sandbox/web/`, the
 * JSON API the page calls, and the Server-Sent Events stream that keeps it live.
 *
 *   GET  /                       the page
 *   GET  /api/state              snapshot + recent activity
 *   GET  /api/events             SSE: `state` (snapshot after each burst of changes), `activity` (one line)
 *   POST /api/customer/message   {numberId, waId, text, quotedWamid?, hoursAgo?}
 *   POST /api/customer/reaction  {numberId, waId, wamid, emoji}      ('' removes)
 *   POST /api/customer/attachment {numberId, waId, kind: photo|document|location}
 *   POST /api/customers          {name?} → a new customer
 *   POST /api/scenarios/window   {numberId} → a customer whose last message is 25 h old
 *   POST /api/agent/message      {channel, user, text, threadTs?}     (`/command …` runs a slash command)
 *   POST /api/agent/reaction     {channel, user, ts, name, remove?}
 *   POST /api/agent/edit         {channel, ts, text}
 *   POST /api/agent/delete       {channel, ts}
 *   POST /api/whatsapp/fail-next {code}
 *   POST /api/whatsapp/clear-failures
 */
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ActionError, type SandboxActions } from './actions.js';
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
      '/api/customers': (input) => actions.newCustomer(input),
      '/api/scenarios/window': (input) => actions.windowScenario(input),
      '/api/agent/message': (input) => actions.agentMessage(input),
      '/api/agent/reaction': (input) => actions.agentReaction(input),
      '/api/agent/edit': (input) => actions.agentEdit(input),
      '/api/agent/delete': (input) => actions.agentDelete(input),
      '/api/whatsapp/fail-next': (input) => actions.armFailure(input),
      '/api/whatsapp/clear-failures': () => actions.disarmFailures(),
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
      return serveStatic(path === '/' ? '/index.html' : path, response);
    }
    const action = request.method === 'POST' ? this.routes[path] : undefined;
    if (!action) return sendJson(response, 404, { error: `no route ${request.method} ${path}` });
    // Only JSON bodies: a cross-site form cannot send them without a CORS preflight, which this server never grants.
    if (!(request.headers['content-type'] ?? '').startsWith('application/json')) return sendJson(response, 415, { error: 'send application/json' });
    let input: Record<string, unknown>;
    try {
      input = await readJson(request);
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

async function readJson(request: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error(`body over ${MAX_BODY_BYTES} bytes`);
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
