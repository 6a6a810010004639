import { createHash, createHmac } from 'node:crypto';
import { expect } from 'chai';
import { WhatsAppEmulator, type WhatsAppEmulatorOptions } from '../../sandbox/emulators/index.js';
import { WebhookSink, sleep, type SinkRequest } from './helpers/webhook-sink.js';

const APP_SECRET = 'app-secret-for-tests';
const TOKEN = 'EAAG-test-token';
const NUMBER = { phoneNumberId: '106540352242922', displayNumber: '+1 555-078-3881', wabaId: '102290129340398' };
const CUSTOMER = { waId: '34611111111', name: 'Ana Pérez' };

type Json = Record<string, any>;

function expectedSignature(raw: Buffer): string {
  return 'sha256=' + createHmac('sha256', APP_SECRET).update(raw).digest('hex');
}

function statusesIn(request: SinkRequest): Json[] {
  return ((request.json as Json).entry as Json[]).flatMap((entry) => entry.changes.flatMap((change: Json) => change.value.statuses ?? []));
}

describe('WhatsAppEmulator', () => {
  let sink: WebhookSink;
  let wa: WhatsAppEmulator;
  let base: string;

  async function boot(overrides: Partial<WhatsAppEmulatorOptions> = {}): Promise<void> {
    await wa?.stop();
    wa = new WhatsAppEmulator({
      appSecret: APP_SECRET,
      accessToken: TOKEN,
      webhookUrl: `${sinkUrl}/webhooks/whatsapp`,
      numbers: [NUMBER],
      ...overrides,
    });
    base = await wa.start();
  }

  let sinkUrl: string;
  beforeEach(async () => {
    sink = new WebhookSink();
    sinkUrl = await sink.start();
    await boot();
  });
  afterEach(async () => {
    await wa.stop();
    await sink.stop();
  });

  function send(body: unknown, options: { token?: string; numberId?: string; version?: string } = {}) {
    return fetch(`${base}/${options.version ?? 'v24.0'}/${options.numberId ?? NUMBER.phoneNumberId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.token ?? TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }
  const text = (body: string, extra: Json = {}) => ({ messaging_product: 'whatsapp', recipient_type: 'individual', to: '+34 611 111 111', type: 'text', text: { body }, ...extra });

  describe('Graph API: sending', () => {
    it('rejects a wrong access token with a Graph 190 error and HTTP 401', async () => {
      const response = await send(text('hi'), { token: 'wrong' });
      expect(response.status).to.equal(401);
      const body = (await response.json()) as Json;
      expect(body.error).to.include({ type: 'OAuthException', code: 190 });
      expect(body.error.fbtrace_id).to.be.a('string');
      expect(wa.requests()[0]).to.include({ authorized: false, status: 401 });
      expect(wa.sent()).to.have.length(0);
    });

    it('answers an unknown phone-number id with Graph error 100 / subcode 33', async () => {
      const response = await send(text('hi'), { numberId: '999' });
      expect(response.status).to.equal(400);
      const body = (await response.json()) as Json;
      expect(body.error).to.include({ code: 100, error_subcode: 33, type: 'GraphMethodException' });
      expect(body.error.message).to.contain("'999'");
    });

    it('accepts a text message and answers the real response shape, with unique wamids', async () => {
      const responses = await Promise.all([send(text('one', { biz_opaque_callback_data: 'conv-1' })), send(text('two'), { version: 'v23.0' })]);
      const bodies = (await Promise.all(responses.map((r) => r.json()))) as Json[];
      expect(responses.map((r) => r.status)).to.deep.equal([200, 200]);
      expect(bodies[0]).to.deep.include({ messaging_product: 'whatsapp', contacts: [{ input: '+34 611 111 111', wa_id: '34611111111' }] });
      const ids = bodies.map((b) => b.messages[0].id as string);
      expect(ids[0]).to.match(/^wamid\.[A-Za-z0-9+/=]+$/);
      expect(ids[0]).to.not.equal(ids[1]);
      const [first] = wa.sent();
      expect(first).to.include({ numberId: NUMBER.phoneNumberId, to: '+34 611 111 111', recipientId: '34611111111', type: 'text', callbackData: 'conv-1' });
      expect(first!.body).to.deep.include({ text: { body: 'one' } });
      expect(wa.sent({ to: '+34611111111' })).to.have.length(2);
    });

    it('accepts the BSUID `recipient` instead of `to`', async () => {
      const response = await send({ messaging_product: 'whatsapp', recipient: 'US.13491208655302741918', type: 'text', text: { body: 'hi' } });
      expect(response.status).to.equal(200);
      expect(((await response.json()) as Json).contacts[0]).to.deep.equal({ input: 'US.13491208655302741918', user_id: 'US.13491208655302741918' });
    });

    const invalid: [string, Json, number, RegExp][] = [
      ['missing messaging_product', { to: '+34611111111', type: 'text', text: { body: 'x' } }, 100, /messaging_product is required/],
      ['missing to', { messaging_product: 'whatsapp', type: 'text', text: { body: 'x' } }, 100, /parameter to is required/],
      ['unknown type', { ...text('x'), type: 'poll' }, 100, /Param type must be one of/],
      ['missing type object', { messaging_product: 'whatsapp', to: '+34611111111', type: 'image' }, 100, /parameter image is required/],
      ['text over 4096 chars', text('x'.repeat(4097)), 100, /at most 4096/],
      ['image with id and link', { messaging_product: 'whatsapp', to: '+34611111111', type: 'image', image: { id: '1', link: 'https://x/y.png' } }, 100, /exactly one of id or link/],
      ['caption on audio', { messaging_product: 'whatsapp', to: '+34611111111', type: 'audio', audio: { id: '1', caption: 'no' } }, 100, /Unexpected key "caption"/],
      [
        'four reply buttons',
        {
          messaging_product: 'whatsapp',
          to: '+34611111111',
          type: 'interactive',
          interactive: { type: 'button', body: { text: 'pick' }, action: { buttons: [1, 2, 3, 4].map((n) => ({ type: 'reply', reply: { id: `b${n}`, title: `B${n}` } })) } },
        },
        100,
        /1 to 3 buttons/,
      ],
      ['reaction as a contextual reply', { messaging_product: 'whatsapp', to: '+34611111111', type: 'reaction', reaction: { message_id: 'wamid.x', emoji: '👍' }, context: { message_id: 'wamid.y' } }, 131009, /131009/],
      ['invalid phone number', text('x', { to: 'not-a-number' }), 131009, /131009/],
    ];
    for (const [name, body, code, message] of invalid) {
      it(`rejects ${name} with Graph error ${code}`, async () => {
        const response = await send(body);
        expect(response.status).to.equal(400);
        const error = ((await response.json()) as Json).error;
        expect(error.code).to.equal(code);
        expect(error.message).to.match(message);
        expect(wa.sent()).to.have.length(0);
      });
    }

    it('defaults a missing type to text, as the Cloud API does', async () => {
      const response = await send({ messaging_product: 'whatsapp', to: '+34611111111', text: { body: 'hi' } });
      expect(response.status).to.equal(200);
      expect(wa.sent()[0]!.type).to.equal('text');
    });

    it('marks a message read ({success:true}) without sending or status webhooks', async () => {
      const response = await send({ messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.ABC', typing_indicator: { type: 'text' } });
      expect(response.status).to.equal(200);
      expect(await response.json()).to.deep.equal({ success: true });
      expect(wa.readReceipts()[0]).to.include({ messageId: 'wamid.ABC', typingIndicator: true, numberId: NUMBER.phoneNumberId });
      await wa.whenIdle();
      expect(wa.sent()).to.have.length(0);
      expect(sink.received).to.have.length(0);
    });

    it('emits request and message events', async () => {
      const seen: string[] = [];
      wa.on('request', (record) => seen.push(`request ${record.status}`));
      wa.on('message', (record) => seen.push(`message ${record.type}`));
      await send(text('hi'));
      expect(seen).to.deep.equal(['message text', 'request 200']);
    });

    it('keeps at most maxRecords records', async () => {
      await boot({ maxRecords: 3, statusDelaysMs: { sent: null, delivered: null, read: null } });
      for (let i = 0; i < 5; i++) await send(text(`m${i}`));
      expect(wa.sent().map((r) => (r.body.text as Json).body)).to.deep.equal(['m2', 'm3', 'm4']);
      expect(wa.requests()).to.have.length(3);
    });
  });

  describe('status webhooks', () => {
    it('delivers sent → delivered → read, signed over the exact bytes, in the real shape', async () => {
      const response = await send(text('hola', { biz_opaque_callback_data: 'conv-9' }));
      const wamid = ((await response.json()) as Json).messages[0].id;
      await sink.waitFor((received) => received.length >= 3);
      await wa.whenIdle();

      expect(sink.received.map((r) => statusesIn(r)[0]!.status)).to.deep.equal(['sent', 'delivered', 'read']);
      expect(wa.statusesDelivered(wamid)).to.deep.equal(['sent', 'delivered', 'read']);
      for (const request of sink.received) {
        expect(request.path).to.equal('/webhooks/whatsapp');
        expect(request.headers['content-type']).to.equal('application/json');
        expect(request.headers['x-hub-signature-256']).to.equal(expectedSignature(request.raw));
        const envelope = request.json as Json;
        expect(envelope.object).to.equal('whatsapp_business_account');
        expect(envelope.entry[0].id).to.equal(NUMBER.wabaId);
        expect(envelope.entry[0].changes[0].field).to.equal('messages');
        expect(envelope.entry[0].changes[0].value).to.deep.include({
          messaging_product: 'whatsapp',
          metadata: { display_phone_number: '15550783881', phone_number_id: NUMBER.phoneNumberId },
        });
        const status = statusesIn(request)[0]!;
        expect(status).to.include({ id: wamid, recipient_id: '34611111111', biz_opaque_callback_data: 'conv-9' });
        expect(status.timestamp).to.match(/^\d{10}$/);
        expect(status).to.not.have.property('conversation'); // v24: no conversation for service replies
      }
      // v24: pricing on one status only
      expect(sink.received.map((r) => 'pricing' in statusesIn(r)[0]!)).to.deep.equal([false, true, false]);
      expect(statusesIn(sink.received[1]!)[0]!.pricing).to.deep.equal({ billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'service' });
    });

    it('uses the v23 shape (conversation + pricing on every status) when pinned to v23.0', async () => {
      await boot({ apiVersion: 'v23.0' });
      await send(text('hola'));
      await sink.waitFor((received) => received.length >= 3);
      const statuses = sink.received.map((r) => statusesIn(r)[0]!);
      expect(statuses.every((s) => s.pricing && s.conversation?.origin?.type === 'service')).to.equal(true);
      expect(statuses[0]!.conversation.expiration_timestamp).to.match(/^\d+$/);
      expect(statuses[1]!.conversation).to.not.have.property('expiration_timestamp');
      expect(new Set(statuses.map((s) => s.conversation.id)).size).to.equal(1);
    });

    it('sends only `sent` for a reaction, and honours null delays', async () => {
      await boot({ statusDelaysMs: { read: null } });
      await send({ messaging_product: 'whatsapp', to: '+34611111111', type: 'reaction', reaction: { message_id: 'wamid.X', emoji: '👍' } });
      await send(text('no read receipt'));
      await wa.whenIdle();
      expect(sink.received.map((r) => statusesIn(r)[0]!.status).sort()).to.deep.equal(['delivered', 'sent', 'sent']);
    });

    it('retries a non-200 answer with backoff, then records the outcome', async () => {
      sink.respondWith = (_request, count) => (count <= 2 ? 500 : 200);
      await boot({ statusDelaysMs: { delivered: null, read: null } });
      await send(text('x'));
      await wa.whenIdle();
      const [delivery] = wa.deliveries();
      expect(delivery!.attempts.map((a) => a.status)).to.deep.equal([500, 500, 200]);
      expect(delivery!.outcome).to.equal('delivered');
      // the retried bytes are identical and identically signed
      expect(new Set(sink.received.map((r) => r.text)).size).to.equal(1);
    });

    it('gives up after the configured retries', async () => {
      sink.respondWith = 503;
      await boot({ statusDelaysMs: { delivered: null, read: null }, webhookRetryDelaysMs: [1, 1] });
      await send(text('x'));
      await wa.whenIdle();
      expect(wa.deliveries()[0]).to.deep.include({ outcome: 'gave-up' });
      expect(wa.deliveries()[0]!.attempts).to.have.length(3);
    });

    it('records an unreachable bridge as status 0', async () => {
      await boot({ webhookUrl: 'http://127.0.0.1:9/unreachable', webhookRetryDelaysMs: [], statusDelaysMs: { delivered: null, read: null } });
      await send(text('x'));
      await wa.whenIdle();
      expect(wa.deliveries()[0]!.attempts[0]!.status).to.equal(0);
      expect(wa.deliveries()[0]!.attempts[0]!.error).to.be.a('string');
    });

    it('holds statuses and releases them reversed', async () => {
      wa.holdStatuses();
      const wamid = ((await (await send(text('x'))).json()) as Json).messages[0].id;
      await wa.whenIdle();
      expect(sink.received).to.have.length(0);
      expect(wa.heldStatuses().map((s) => s.status)).to.deep.equal(['sent', 'delivered', 'read']);
      await wa.releaseStatuses({ order: 'reverse' });
      expect(sink.received.map((r) => statusesIn(r)[0]!.status)).to.deep.equal(['read', 'delivered', 'sent']);
      expect(wa.statusesDelivered(wamid)).to.deep.equal(['read', 'delivered', 'sent']);
      expect(wa.heldStatuses()).to.have.length(0);
    });

    it('releases held statuses batched into one POST', async () => {
      wa.holdStatuses();
      await send(text('a'));
      await send(text('b'));
      await wa.whenIdle();
      const [delivery] = await wa.releaseStatuses({ batch: true });
      expect(sink.received).to.have.length(1);
      expect(statusesIn(sink.received[0]!)).to.have.length(6);
      expect(delivery!.wamids).to.have.length(6);
      expect(sink.received[0]!.headers['x-hub-signature-256']).to.equal(expectedSignature(sink.received[0]!.raw));
    });

    it('stops delivering once stopped', async () => {
      await boot({ statusDelaysMs: { sent: 200, delivered: 400, read: 600 } });
      await send(text('x'));
      await wa.stop();
      await sleep(300);
      expect(sink.received).to.have.length(0);
    });
  });

  describe('failure injection', () => {
    const cases: [number, number][] = [
      [131047, 400],
      [130429, 429],
      [131056, 429],
      [131000, 500],
    ];
    for (const [code, httpStatus] of cases) {
      it(`sync ${code} answers the Graph error with HTTP ${httpStatus}`, async () => {
        wa.failNext(1, { code, mode: 'sync' });
        const response = await send(text('x'));
        expect(response.status).to.equal(httpStatus);
        const error = ((await response.json()) as Json).error;
        expect(error).to.include({ code, type: 'OAuthException' });
        expect(error.error_data.messaging_product).to.equal('whatsapp');
        expect(error.error_data.details).to.be.a('string').and.not.empty;
        expect((await send(text('y'))).status).to.equal(200);
      });
    }

    it('sync failures honour a custom title, details and HTTP status', async () => {
      wa.failNext(2, { code: 131026, title: 'Undeliverable', details: 'not on WhatsApp', httpStatus: 418, mode: 'sync' });
      for (let i = 0; i < 2; i++) {
        const response = await send(text('x'));
        expect(response.status).to.equal(418);
        expect(((await response.json()) as Json).error).to.deep.include({ message: '(#131026) Undeliverable', error_data: { messaging_product: 'whatsapp', details: 'not on WhatsApp' } });
      }
      expect(wa.sent()).to.have.length(0);
    });

    it('async failures accept the send, then deliver a `failed` status with errors[]', async () => {
      wa.failNext(1, { code: 131047, mode: 'async' });
      const response = await send(text('x', { biz_opaque_callback_data: 'c' }));
      expect(response.status).to.equal(200);
      const wamid = ((await response.json()) as Json).messages[0].id;
      await wa.whenIdle();
      expect(sink.received).to.have.length(1);
      const [status] = statusesIn(sink.received[0]!);
      expect(status).to.include({ id: wamid, status: 'failed', recipient_id: '34611111111', biz_opaque_callback_data: 'c' });
      expect(status!.errors[0]).to.deep.include({
        code: 131047,
        title: 'Re-engagement message',
        error_data: { details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' },
      });
      expect(wa.sent()[0]!.asyncFailure).to.include({ code: 131047 });
    });

    it('per-recipient failures are deterministic and not consumed', async () => {
      wa.failRecipient('+34 622 222 222', { code: 131026, mode: 'sync' });
      for (let i = 0; i < 3; i++) expect((await send(text('x', { to: '34622222222' }))).status).to.equal(400);
      expect((await send(text('x'))).status).to.equal(200);
      wa.clearRecipientFailure('34622222222');
      expect((await send(text('x', { to: '34622222222' }))).status).to.equal(200);
    });
  });

  describe('customer side', () => {
    it('sendText POSTs a signed, Meta-escaped inbound webhook and returns the wamid and HTTP status', async () => {
      const result = await wa.sendText(NUMBER.phoneNumberId, CUSTOMER, 'qué tal 😀 https://x.y/z');
      expect(result.status).to.equal(200);
      expect(result.attempts).to.equal(1);
      const [request] = sink.received;
      expect(request!.headers['x-hub-signature-256']).to.equal(expectedSignature(request!.raw));
      expect(wa.sign(request!.raw)).to.equal(expectedSignature(request!.raw));
      // Meta escapes non-ASCII and slashes: the bytes differ from JSON.stringify of the same object
      expect(request!.text).to.contain('P\\u00e9rez').and.contain('\\ud83d\\ude00').and.contain('https:\\/\\/x.y\\/z');
      expect(request!.text).to.not.equal(JSON.stringify(request!.json));
      const value = (request!.json as Json).entry[0].changes[0].value;
      expect(value.contacts).to.deep.equal([{ profile: { name: 'Ana Pérez' }, wa_id: '34611111111' }]);
      expect(value.messages[0]).to.deep.include({ from: '34611111111', id: result.wamid, type: 'text', text: { body: 'qué tal 😀 https://x.y/z' } });
      expect(value.messages[0].timestamp).to.match(/^\d{10}$/);
      expect(wa.inbound()[0]!.wamid).to.equal(result.wamid);
    });

    it('quotes a business message with the business number as context.from, a customer message with the customer', async () => {
      const sentWamid = ((await (await send(text('hello'))).json()) as Json).messages[0].id;
      const own = await wa.sendText(NUMBER.phoneNumberId, CUSTOMER, 'first');
      await wa.sendText(NUMBER.phoneNumberId, CUSTOMER, 'reply to business', { quotedWamid: sentWamid });
      await wa.sendText(NUMBER.phoneNumberId, CUSTOMER, 'reply to myself', { quotedWamid: own.wamid });
      const messages = wa.inbound().map((r) => r.message);
      expect(messages[1]!.context).to.deep.equal({ from: '15550783881', id: sentWamid });
      expect(messages[2]!.context).to.deep.equal({ from: '34611111111', id: own.wamid });
    });

    it('sendReaction adds and removes (emoji omitted or empty)', async () => {
      await wa.sendReaction(NUMBER.phoneNumberId, CUSTOMER, 'wamid.T', '❤️');
      await wa.sendReaction(NUMBER.phoneNumberId, CUSTOMER, 'wamid.T', '');
      await wa.sendReaction(NUMBER.phoneNumberId, CUSTOMER, 'wamid.T', '', { removal: 'empty-emoji' });
      const reactions = sink.received.map((r) => (r.json as Json).entry[0].changes[0].value.messages[0].reaction);
      expect(reactions).to.deep.equal([{ message_id: 'wamid.T', emoji: '❤️' }, { message_id: 'wamid.T' }, { message_id: 'wamid.T', emoji: '' }]);
    });

    it('sendMessage sends any type; system messages carry no contacts', async () => {
      await wa.sendMessage(NUMBER.phoneNumberId, CUSTOMER, { type: 'location', location: { latitude: 40.4, longitude: -3.7, name: 'Sol' } });
      await wa.sendMessage(NUMBER.phoneNumberId, CUSTOMER, { type: 'system', system: { body: 'changed', wa_id: '34699999999', type: 'user_changed_number' } });
      const values = sink.received.map((r) => (r.json as Json).entry[0].changes[0].value);
      expect(values[0].messages[0]).to.deep.include({ type: 'location', location: { latitude: 40.4, longitude: -3.7, name: 'Sol' } });
      expect(values[0]).to.have.property('contacts');
      expect(values[1]).to.not.have.property('contacts');
    });

    it('retries an inbound webhook the bridge rejected and reports the final status', async () => {
      sink.respondWith = (_request, count) => (count === 1 ? 500 : 200);
      const result = await wa.sendText(NUMBER.phoneNumberId, CUSTOMER, 'hi');
      expect(result).to.include({ status: 200, attempts: 2 });
    });

    it('redeliverWebhook repeats an earlier webhook byte for byte', async () => {
      await wa.sendText(NUMBER.phoneNumberId, CUSTOMER, 'dup');
      const [first] = wa.deliveries();
      const again = await wa.redeliverWebhook(first!.id);
      expect(again.attempts[0]!.status).to.equal(200);
      expect(again.wamids).to.deep.equal(first!.wamids);
      expect(sink.received[1]!.text).to.equal(sink.received[0]!.text);
      expect(sink.received[1]!.headers['x-hub-signature-256']).to.equal(expectedSignature(sink.received[1]!.raw));
    });

    it('postRawWebhook sends bytes once, with a chosen, missing or correct signature', async () => {
      sink.respondWith = (request) => (request.headers['x-hub-signature-256'] === expectedSignature(request.raw) ? 200 : 401);
      expect((await wa.postRawWebhook('{"object":', 'sha256=deadbeef')).status).to.equal(401);
      expect((await wa.postRawWebhook('{}', null)).status).to.equal(401);
      expect(sink.received[1]!.headers).to.not.have.property('x-hub-signature-256');
      expect((await wa.postRawWebhook(Buffer.from('{"not":"json"'))).status).to.equal(200);
      expect(sink.received).to.have.length(3);
    });

    it('throws for an unknown business number', async () => {
      try {
        await wa.sendText('nope', CUSTOMER, 'x');
        expect.fail('should have thrown');
      } catch (error) {
        expect((error as Error).message).to.contain('unknown business number');
      }
    });
  });

  describe('media', () => {
    const auth = { authorization: `Bearer ${TOKEN}` };

    it('uploads, describes, downloads (token required) and deletes media', async () => {
      const form = new FormData();
      form.append('messaging_product', 'whatsapp');
      form.append('file', new Blob([Buffer.from('%PDF-1.4 fake')], { type: 'application/pdf' }), 'invoice.pdf');
      form.append('type', 'application/pdf');
      const upload = await fetch(`${base}/v24.0/${NUMBER.phoneNumberId}/media`, { method: 'POST', headers: auth, body: form });
      expect(upload.status).to.equal(200);
      const { id } = (await upload.json()) as Json;
      expect(id).to.match(/^\d{15,16}$/);

      const info = (await (await fetch(`${base}/v24.0/${id}`, { headers: auth })).json()) as Json;
      expect(info).to.include({ messaging_product: 'whatsapp', mime_type: 'application/pdf', file_size: '13', id });
      expect(info.sha256).to.match(/^[0-9a-f]{64}$/);

      expect((await fetch(info.url)).status).to.equal(401);
      const download = await fetch(info.url, { headers: auth });
      expect(download.status).to.equal(200);
      expect(download.headers.get('content-type')).to.equal('application/pdf');
      expect(Buffer.from(await download.arrayBuffer()).toString()).to.equal('%PDF-1.4 fake');
      expect((await fetch(info.url.replace(/hash=\w+/, 'hash=0'), { headers: auth })).status).to.equal(404);

      expect(await (await fetch(`${base}/v24.0/${id}`, { method: 'DELETE', headers: auth })).json()).to.deep.equal({ success: true });
      expect((await fetch(`${base}/v24.0/${id}`, { headers: auth })).status).to.equal(400);
    });

    it('rejects unsupported upload types with 131053', async () => {
      const form = new FormData();
      form.append('messaging_product', 'whatsapp');
      form.append('file', new Blob([Buffer.from('GIF89a')], { type: 'image/gif' }), 'a.gif');
      form.append('type', 'image/gif');
      const response = await fetch(`${base}/v24.0/${NUMBER.phoneNumberId}/media`, { method: 'POST', headers: auth, body: form });
      expect(response.status).to.equal(400);
      expect(((await response.json()) as Json).error.code).to.equal(131053);
    });

    it('sendMedia announces customer media the bridge can fetch by id or url', async () => {
      const result = await wa.sendMedia(NUMBER.phoneNumberId, CUSTOMER, { kind: 'image', data: Buffer.from('png-bytes'), mimeType: 'image/jpeg', caption: 'foto' });
      const image = (sink.received[0]!.json as Json).entry[0].changes[0].value.messages[0].image;
      expect(image).to.include({ id: result.mediaId, mime_type: 'image/jpeg', caption: 'foto' });
      expect(image.sha256).to.equal(createHash('sha256').update('png-bytes').digest('base64'));
      const info = (await (await fetch(`${base}/v24.0/${result.mediaId}`, { headers: auth })).json()) as Json;
      const bytes = Buffer.from(await (await fetch(info.url, { headers: auth })).arrayBuffer());
      expect(bytes.toString()).to.equal('png-bytes');
      expect(Buffer.from(await (await fetch(image.url, { headers: auth })).arrayBuffer()).toString()).to.equal('png-bytes');
    });
  });
});
