/**
 * A local stand-in for Zoho Accounts + the Cliq REST API, answering with the shapes the reference
 * (zoho-cliq.md) documents: `POST /oauth/v2/token`, `POST /api/v2/channelsbyname/{name}/message`
 * (JSON or multipart, `?bot_unique_name=`, `sync_message` → `{ message_id }`), thread creation by
 * `thread_message_id`, `GET /api/v3/threads/{id}`, `GET /api/v2/channelsbyname/{name}`,
 * `GET /api/v2/files/{id}`; 401 for unknown tokens; injectable throttling (429 or the historic 400).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakePost {
  channel: string;
  query: Record<string, string>;
  /** JSON body, or multipart text fields. */
  body: Record<string, unknown>;
  file?: { name: string; data: Buffer; field: string };
  messageId: string;
  authorization?: string;
}

export interface FakeThread {
  threadChatId: string;
  channel: string;
  parentMessageId: string;
  title?: string;
}

export class FakeCliq {
  readonly clientId = 'client-1000.ABC';
  readonly clientSecret = 'client-secret-xyz';
  readonly refreshToken = '1000.refresh.token';
  readonly posts: FakePost[] = [];
  readonly threads: FakeThread[] = [];
  readonly requests: { method: string; path: string; authorization?: string }[] = [];
  readonly files = new Map<string, { name: string; data: Buffer; type: string }>();
  refreshes = 0;
  expiresIn = 3600;
  private validTokens = new Set<string>();
  private throttles: { status: number; retryAfter?: number; body: unknown }[] = [];
  private server?: Server;
  private nextId = 1;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500).end(String(error));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** Every access token issued so far stops working (Zoho revoked or expired them). */
  revokeTokens(): void {
    this.validTokens.clear();
  }

  throttleNext(count: number, options: { status?: 429 | 400; retryAfter?: number } = {}): void {
    const status = options.status ?? 429;
    const body = status === 400 ? { code: 'throttles_limit_exceeded', message: 'You have exceeded the URL throttle limits' } : { code: 'too_many_requests' };
    for (let i = 0; i < count; i++) this.throttles.push({ status, body, ...(options.retryAfter !== undefined ? { retryAfter: options.retryAfter } : {}) });
  }

  threadOf(parentMessageId: string): FakeThread | undefined {
    return this.threads.find((thread) => thread.parentMessageId === parentMessageId);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const raw = await readAll(req);
    const authorization = req.headers.authorization;
    this.requests.push({ method: req.method ?? '', path: url.pathname, ...(authorization ? { authorization } : {}) });
    const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
    };

    if (req.method === 'POST' && url.pathname === '/oauth/v2/token') {
      const form = new URLSearchParams(raw.toString('utf8'));
      if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== this.refreshToken || form.get('client_id') !== this.clientId || form.get('client_secret') !== this.clientSecret) {
        return json(200, { error: 'invalid_code' }); // Zoho's way of refusing
      }
      this.refreshes++;
      const token = `1000.access.${this.refreshes}`;
      this.validTokens.add(token);
      return json(200, { access_token: token, expires_in: this.expiresIn, api_domain: 'https://www.zohoapis.com', token_type: 'Bearer' });
    }

    const token = authorization?.startsWith('Zoho-oauthtoken ') ? authorization.slice('Zoho-oauthtoken '.length) : undefined;
    if (!token || !this.validTokens.has(token)) return json(401, { code: 'oauthtoken_invalid', message: 'Invalid OAuth token.' });

    const throttle = this.throttles.shift();
    if (throttle) return json(throttle.status, throttle.body, throttle.retryAfter !== undefined ? { 'Retry-After': String(throttle.retryAfter) } : {});

    let match = /^\/api\/v2\/channelsbyname\/([^/]+)\/message$/.exec(url.pathname);
    if (req.method === 'POST' && match) {
      const channel = decodeURIComponent(match[1]!);
      const contentType = String(req.headers['content-type'] ?? '');
      let body: Record<string, unknown> = {};
      let file: FakePost['file'];
      if (contentType.startsWith('multipart/form-data')) {
        const form = await new Request('http://fake/', { method: 'POST', headers: { 'content-type': contentType }, body: raw }).formData();
        for (const [key, value] of form.entries()) {
          if (typeof value === 'string') body[key] = value;
          else file = { name: value.name, data: Buffer.from(await value.arrayBuffer()), field: key };
        }
      } else {
        body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      }
      const messageId = `${1700000000000 + this.nextId++}_${channel}`;
      this.posts.push({ channel, query: Object.fromEntries(url.searchParams), body, ...(file ? { file } : {}), messageId, ...(authorization ? { authorization } : {}) });
      const parent = body.thread_message_id;
      if (typeof parent === 'string' && body.thread_title !== undefined && !this.threadOf(parent)) {
        this.threads.push({ threadChatId: `CT_${channel}_2243-T-${this.nextId++}`, channel, parentMessageId: parent, title: String(body.thread_title) });
      }
      if (body.sync_message === true || body.sync_message === 'true') return json(200, { message_id: messageId });
      res.writeHead(204).end();
      return;
    }
    match = /^\/api\/v3\/threads\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && match) {
      const thread = this.threads.find((candidate) => candidate.threadChatId === decodeURIComponent(match![1]!));
      if (!thread) return json(404, { code: 'thread_not_found' });
      return json(200, { data: { chat_id: thread.threadChatId, parent_chat_id: `CT_${thread.channel}_2243`, thread_message_id: thread.parentMessageId, title: thread.title, thread_state: 'open' } });
    }
    match = /^\/api\/v2\/channelsbyname\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && match) {
      const name = decodeURIComponent(match[1]!);
      return json(200, { name: `#${name}`, unique_name: name, chat_id: `CT_${name}_2243`, channel_id: `O${name}` });
    }
    match = /^\/api\/v2\/files\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && match) {
      const file = this.files.get(decodeURIComponent(match[1]!));
      if (!file) return json(404, { code: 'file_not_found' });
      res.writeHead(200, { 'Content-Type': file.type, 'Content-Length': String(file.data.length), 'Content-Disposition': `attachment; filename="${file.name}"` }).end(file.data);
      return;
    }
    json(404, { code: 'url_not_found' });
  }
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The body the README's participation handler forwards for a message in a thread. */
export function participationBody(input: { messageId: string; threadChatId: string; text: string; user?: { id: string; first_name?: string; last_name?: string }; file?: { id: string; name: string; type: string } }): Record<string, unknown> {
  return {
    type: 'event',
    operation: 'message_sent',
    data: {
      message: { id: input.messageId, type: input.file ? 'file' : 'text', text: input.text, time: 1764080000000, ...(input.file ? { content: { text: input.text, file: input.file } } : {}) },
    },
    user: input.user ?? { id: '63123456', first_name: 'Lucía', last_name: 'Pérez', email: 'lucia@example.com' },
    chat: { id: input.threadChatId, type: 'thread', title: 'Ana García · Ventas' },
  };
}
