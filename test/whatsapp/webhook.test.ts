import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { signBody } from '../../adapters/whatsapp/signature.js';
import { DEFAULT_MAX_WEBHOOK_BODY_BYTES, WHATSAPP_WEBHOOK_PATH, whatsappWebhookRoutes } from '../../adapters/whatsapp/webhook.js';
import { createLogger } from '../../bot/logger.js';

const APP_SECRET = 'webhook-test-secret';
const VERIFY_TOKEN = 'verify-me-please';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface Stored {
  body: string;
  receivedAt: number;
}

/** A node:http server serving only the WhatsApp routes, as the bridge's server would mount them. */
class Harness {
  readonly stored: Stored[] = [];
  readonly logLines: string[] = [];
  store: (body: string) => Promise<void> = async () => {};
  private server?: http.Server;
  private port = 0;

  async start(maxBodyBytes?: number): Promise<void> {
    const sink = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        this.logLines.push(chunk.toString('utf8'));
        done();
      },
    });
    const routes = whatsappWebhookRoutes({
      appSecret: APP_SECRET,
      verifyToken: VERIFY_TOKEN,
      logger: createLogger('info', sink),
      ...(maxBodyBytes !== undefined ? { maxBodyBytes } : {}),
      onVerifiedBody: async (body, receivedAt) => {
        await this.store(body);
        this.stored.push({ body, receivedAt });
      },
    });
    this.server = http.createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const route = routes.find((r) => r.method === req.method && r.path === path);
      if (!route) {
        res.writeHead(404).end();
        return;
      }
      void route.handler(req, res);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  get(query: string): Promise<Reply> {
    return this.request('GET', `${WHATSAPP_WEBHOOK_PATH}?${query}`, {});
  }

  post(body: Buffer | string, headers: http.OutgoingHttpHeaders = {}, chunked = false): Promise<Reply> {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    const base: http.OutgoingHttpHeaders = { 'content-type': 'application/json', ...headers };
    if (!chunked) base['content-length'] = bytes.length;
    return this.request('POST', WHATSAPP_WEBHOOK_PATH, base, bytes, chunked);
  }

  /**
   * Resolves with the first response, even when the server answers before the body is fully sent
   * (413): write errors after that (the server closing the connection) are expected and ignored.
   */
  private request(method: string, path: string, headers: http.OutgoingHttpHeaders, body?: Buffer, chunked = false): Promise<Reply> {
    return new Promise((resolve, reject) => {
      let answered = false;
      const req = http.request({ host: '127.0.0.1', port: this.port, method, path, headers, agent: false }, (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', (err) => {
        if (!answered) reject(err);
      });
      if (body && chunked) {
        // Several chunks with no Content-Length: the cap must hold while streaming.
        const piece = 64 * 1024;
        for (let i = 0; i < body.length; i += piece) req.write(body.subarray(i, i + piece));
        req.end();
      } else {
        req.end(body);
      }
    });
  }
}

function signed(body: Buffer | string): http.OutgoingHttpHeaders {
  return { 'x-hub-signature-256': signBody(body, APP_SECRET) };
}

const SAMPLE = JSON.stringify({
  object: 'whatsapp_business_account',
  entry: [{ id: '1', changes: [{ field: 'messages', value: { metadata: { phone_number_id: '2' }, messages: [] } }] }],
});

describe('WhatsApp webhook receiver', () => {
  let h: Harness;

  beforeEach(async () => {
    h = new Harness();
    await h.start(64 * 1024);
  });
  afterEach(async () => h.stop());

  describe('verification (GET)', () => {
    it('answers the challenge verbatim, as plain text', async () => {
      const reply = await h.get(`hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`);
      expect(reply.status).to.equal(200);
      expect(reply.body).to.equal('1158201444');
      expect(reply.headers['content-type']).to.match(/^text\/plain/);
    });

    it('refuses a wrong token, a wrong mode or a missing challenge with 403', async () => {
      for (const query of [
        'hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1',
        `hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}x&hub.challenge=1`,
        `hub.mode=unsubscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`,
        `hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}`,
        'hub.mode=subscribe&hub.challenge=1',
        '',
      ]) {
        const reply = await h.get(query);
        expect(reply.status, query).to.equal(403);
        expect(reply.body, query).to.not.contain('1158201444');
      }
    });
  });

  describe('delivery (POST)', () => {
    it('refuses an unsigned body with 401, logs it and stores nothing', async () => {
      const reply = await h.post(SAMPLE);
      expect(reply.status).to.equal(401);
      expect(h.stored).to.deep.equal([]);
      expect(h.logLines.join('')).to.contain('"signature":"missing"');
    });

    it('refuses a wrong signature with 401', async () => {
      const reply = await h.post(SAMPLE, { 'x-hub-signature-256': signBody(SAMPLE, 'another-app-secret') });
      expect(reply.status).to.equal(401);
      expect(h.stored).to.deep.equal([]);
      expect(h.logLines.join('')).to.contain('"signature":"mismatch"');
    });

    it('stores the exact body, then answers 200 EVENT_RECEIVED', async () => {
      const before = Date.now();
      const reply = await h.post(SAMPLE, signed(SAMPLE));
      expect(reply.status).to.equal(200);
      expect(reply.body).to.equal('EVENT_RECEIVED');
      expect(h.stored).to.have.length(1);
      expect(h.stored[0]!.body).to.equal(SAMPLE);
      expect(h.stored[0]!.receivedAt).to.be.within(before, Date.now());
    });

    it('does not answer before the body is stored', async () => {
      let finishStore!: () => void;
      let storeStarted!: () => void;
      const started = new Promise<void>((resolve) => (storeStarted = resolve));
      h.store = () =>
        new Promise<void>((resolve) => {
          finishStore = resolve;
          storeStarted();
        });
      let answered = false;
      const pending = h.post(SAMPLE, signed(SAMPLE)).then((r) => ((answered = true), r));
      await started;
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(answered, 'answered before the store resolved').to.equal(false);
      finishStore();
      expect((await pending).status).to.equal(200);
    });

    it('answers 500 when the body cannot be stored, so Meta retries', async () => {
      h.store = async () => {
        throw new Error('disk full');
      };
      const reply = await h.post(SAMPLE, signed(SAMPLE));
      expect(reply.status).to.equal(500);
      expect(h.logLines.join('')).to.contain('disk full');
    });

    it('stores a signed body even when it is not valid JSON (the parser rejects it later)', async () => {
      const junk = '{"object":"whatsapp_business_account"} {';
      const reply = await h.post(junk, signed(junk));
      expect(reply.status).to.equal(200);
      expect(h.stored.map((s) => s.body)).to.deep.equal([junk]);
    });

    it('verifies escaped unicode on the raw bytes and passes them through unchanged', async () => {
      const raw = '{"text":{"body":"\\u00e4\\u00f6\\u00e5 \\ud83d\\udc4d"}}';
      const reply = await h.post(raw, signed(raw));
      expect(reply.status).to.equal(200);
      expect(h.stored[0]!.body).to.equal(raw);

      // Signed over a re-serialisation (real "äöå"), sent escaped: not the bytes Meta signed.
      const reserialised = JSON.stringify(JSON.parse(raw));
      expect((await h.post(raw, signed(reserialised))).status).to.equal(401);
    });

    it('verifies a body with raw UTF-8 characters on its bytes', async () => {
      const raw = Buffer.from('{"text":{"body":"¿Qué tal? 👋"}}', 'utf8');
      const reply = await h.post(raw, signed(raw));
      expect(reply.status).to.equal(200);
      expect(h.stored[0]!.body).to.equal('{"text":{"body":"¿Qué tal? 👋"}}');
    });

    it('refuses a declared body over the cap with 413 without storing it', async () => {
      const big = Buffer.alloc(64 * 1024 + 1, 0x61);
      const reply = await h.post(big, signed(big));
      expect(reply.status).to.equal(413);
      expect(h.stored).to.deep.equal([]);
      expect(h.logLines.join('')).to.contain('over the size cap');
    });

    it('refuses a streamed (chunked) body over the cap with 413', async () => {
      const big = Buffer.alloc(256 * 1024, 0x61);
      const reply = await h.post(big, signed(big), true);
      expect(reply.status).to.equal(413);
      expect(h.stored).to.deep.equal([]);
      expect(h.logLines.join('')).to.contain('while streaming');
    });

    it('accepts a body exactly at the cap', async () => {
      const exact = Buffer.alloc(64 * 1024, 0x20);
      const reply = await h.post(exact, signed(exact), true);
      expect(reply.status).to.equal(200);
      expect(h.stored[0]!.body.length).to.equal(64 * 1024);
    });
  });

  describe('default cap', () => {
    let big: Harness;
    before(async () => {
      big = new Harness();
      await big.start();
    });
    after(async () => big.stop());

    it('is 3 MB plus a 64 KB margin: a 3 MB body passes, one byte over the cap does not', async () => {
      expect(DEFAULT_MAX_WEBHOOK_BODY_BYTES).to.equal(3 * 1024 * 1024 + 64 * 1024);
      const threeMb = Buffer.alloc(3 * 1024 * 1024, 0x20);
      expect((await big.post(threeMb, signed(threeMb))).status).to.equal(200);
      const over = Buffer.alloc(DEFAULT_MAX_WEBHOOK_BODY_BYTES + 1, 0x20);
      expect((await big.post(over, signed(over))).status).to.equal(413);
      expect(big.stored).to.have.length(1);
    });
  });
});
