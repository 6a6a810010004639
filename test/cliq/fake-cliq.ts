/**
 * A local stand-in for Zoho Accounts + the Cliq REST API, answering with the shapes the reference
 * (zoho-cliq.md) documents: `POST /oauth/v2/token`, `POST /api/v2/channelsbyname/{name}/message`
 * (JSON or multipart, `?bot_unique_name=`, `sync_message` → `{ message_id }`), thread creation by
 * `thread_message_id`, `GET /api/v3/threads/{id}`, `GET /api/v2/channelsbyname/{name}`,
 * `GET /api/v2/files/{id}`, `GET /api/v2/chats/{id}/messages` (newest first, `limit`),
 * `GET /api/v3/chats?parent_chid=`, reactions (`POST`/`DELETE …/messages/{id}/reactions`), bot
 * messages to users (`POST /api/v3/bots/{bot}/messages`); 401 for unknown tokens; injectable
 * throttling (429 or the historic 400). Messages keep what was posted, invisible markers included.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakePost {
  channel: string;
  query: Record<string, string>;
  /** JSON body, or multipart text fields. */
  body: Record<string, unknown>;
  file?: { name: string; data: Buffer; field: string };
  /** The text as people see it (`body.text` without Puente's invisible marker). */
  text: string;
  /** The invisible marker at the end of `body.text`, if any. */
  marker?: string;
  messageId: string;
  authorization?: string;
}

/** A message as `GET /api/v2/chats/{id}/messages` lists it. */
export interface FakeMessage {
  chatId: string;
  id: string;
  time: number;
  sender: { id: string; name: string };
  text: string;
  file?: { id: string; name: string; type: string; size: number };
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
  readonly messages: FakeMessage[] = [];
  readonly reactions: { op: 'add' | 'remove'; chatId: string; messageId: string; emoji: string }[] = [];
  readonly botMessages: { bot: string; body: Record<string, unknown> }[] = [];
  /** `GET /api/v3/chats?parent_chid=` leaves out `thread_message_id` (the adapter must ask each thread). */
  threadListWithoutParents = false;
  /** Bot messages to users are refused (403), as for a user who never opened the bot. */
  refuseBotMessages = false;
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

  channelChatId(channel: string): string {
    return `CT_${channel}_2243`;
  }

  /** A message someone wrote (an agent, a supervisor sharing a file), listed in its chat. */
  addMessage(chatId: string, message: { text?: string; sender?: { id: string; name: string }; file?: { name: string; type: string; data: Buffer }; time?: number }): FakeMessage {
    const id = `${1700000000000 + this.nextId++}_agent`;
    let file: FakeMessage['file'];
    if (message.file) {
      const fileId = `file-${this.nextId++}`;
      this.files.set(fileId, { name: message.file.name, type: message.file.type, data: message.file.data });
      file = { id: fileId, name: message.file.name, type: message.file.type, size: message.file.data.length };
    }
    const listed: FakeMessage = { chatId, id, time: message.time ?? Date.now(), sender: message.sender ?? { id: '63000002', name: 'Lucía Pérez' }, text: message.text ?? '', ...(file ? { file } : {}) };
    this.messages.push(listed);
    return listed;
  }

  /** The emoji currently on a message, in the order they were added. */
  reactionsOn(messageId: string): string[] {
    const on: string[] = [];
    for (const reaction of this.reactions.filter((candidate) => candidate.messageId === messageId)) {
      if (reaction.op === 'add' && !on.includes(reaction.emoji)) on.push(reaction.emoji);
      if (reaction.op === 'remove' && on.includes(reaction.emoji)) on.splice(on.indexOf(reaction.emoji), 1);
    }
    return on;
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
      const marker = /\u2063[\u200b\u200c]+$/.exec(String(body.text ?? ''))?.[0];
      const text = String(body.text ?? '').replace(/\u2063[\u200b\u200c]+$/, '');
      this.posts.push({ channel, query: Object.fromEntries(url.searchParams), body, text, ...(marker ? { marker } : {}), ...(file ? { file } : {}), messageId, ...(authorization ? { authorization } : {}) });
      const parent = body.thread_message_id;
      // A message with `thread_message_id` opens the thread that message heads, or posts into it.
      if (typeof parent === 'string' && !this.threadOf(parent)) {
        this.threads.push({ threadChatId: `${this.channelChatId(channel)}-T-${this.nextId++}`, channel, parentMessageId: parent, ...(body.thread_title !== undefined ? { title: String(body.thread_title) } : {}) });
      }
      const chatId = typeof parent === 'string' ? this.threadOf(parent)!.threadChatId : this.channelChatId(channel);
      const bot = body.bot as { name?: string } | undefined;
      let listedFile: FakeMessage['file'];
      if (file) {
        const fileId = `file-${this.nextId++}`;
        this.files.set(fileId, { name: file.name, type: 'application/octet-stream', data: file.data });
        listedFile = { id: fileId, name: file.name, type: 'application/octet-stream', size: file.data.length };
      }
      this.messages.push({ chatId, id: messageId, time: Date.now(), sender: { id: `b-${url.searchParams.get('bot_unique_name') ?? 'user'}`, name: bot?.name ?? 'puentebot' }, text: String(body.text ?? ''), ...(listedFile ? { file: listedFile } : {}) });
      if (body.sync_message === true || body.sync_message === 'true') return json(200, { message_id: messageId });
      res.writeHead(204).end();
      return;
    }
    match = /^\/api\/v2\/chats\/([^/]+)\/messages$/.exec(url.pathname);
    if (req.method === 'GET' && match) {
      const chatId = decodeURIComponent(match[1]!);
      const limit = Number(url.searchParams.get('limit') ?? 100);
      const listed = this.messages.filter((message) => message.chatId === chatId).reverse().slice(0, limit);
      return json(200, {
        data: listed.map((message) => ({
          id: message.id,
          time: message.time,
          type: message.file ? 'file' : 'text',
          sender: message.sender,
          content: message.file ? { file: { id: message.file.id, name: message.file.name, type: message.file.type, dimensions: { size: message.file.size } }, comment: message.text } : { text: message.text },
        })),
      });
    }
    match = /^\/api\/v2\/chats\/([^/]+)\/messages\/([^/]+)\/reactions$/.exec(url.pathname);
    if ((req.method === 'POST' || req.method === 'DELETE') && match) {
      const body = JSON.parse(raw.toString('utf8') || '{}') as { emoji_code?: string };
      if (!body.emoji_code) return json(400, { code: 'input_invalid' });
      this.reactions.push({ op: req.method === 'POST' ? 'add' : 'remove', chatId: decodeURIComponent(match[1]!), messageId: decodeURIComponent(match[2]!), emoji: body.emoji_code });
      res.writeHead(204).end();
      return;
    }
    match = /^\/api\/v3\/bots\/([^/]+)\/messages$/.exec(url.pathname);
    if (req.method === 'POST' && match) {
      if (this.refuseBotMessages) return json(403, { code: 'user_not_subscribed' });
      this.botMessages.push({ bot: decodeURIComponent(match[1]!), body: JSON.parse(raw.toString('utf8')) as Record<string, unknown> });
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/v3/chats') {
      const parent = url.searchParams.get('parent_chid');
      const threads = this.threads.filter((thread) => this.channelChatId(thread.channel) === parent);
      return json(200, { data: threads.map((thread) => ({ chat_id: thread.threadChatId, ...(this.threadListWithoutParents ? {} : { thread_message_id: thread.parentMessageId }), title: thread.title })) });
    }
    match = /^\/api\/v3\/threads\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && match) {
      const thread = this.threads.find((candidate) => candidate.threadChatId === decodeURIComponent(match![1]!));
      if (!thread) return json(404, { code: 'thread_not_found' });
      return json(200, { data: { chat_id: thread.threadChatId, parent_chat_id: this.channelChatId(thread.channel), thread_message_id: thread.parentMessageId, title: thread.title, thread_state: 'open' } });
    }
    match = /^\/api\/v2\/channelsbyname\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && match) {
      const name = decodeURIComponent(match[1]!);
      return json(200, { name: `#${name}`, unique_name: name, chat_id: this.channelChatId(name), channel_id: `O${name}` });
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
