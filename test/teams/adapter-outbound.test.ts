/**
 * What the adapter asks of the Bot Connector (intercepted with nock): thread creation in the number's
 * channel, customer posts as Adaptive Cards naming the customer, notices, status markers, images,
 * and how Teams' throttling and failures reach the core.
 */
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { ADAPTIVE_CARD, KEY_ELEMENT_ID, TeamsApiError, type TeamsAdapter } from '../../adapters/teams/index.js';
import { RetryableChatError } from '../../bot/chat-adapter.js';
import { MediaError } from '../../bot/media-errors.js';
import type { ChatMessageRef, ThreadRef } from '../../bot/types.js';
import { APP_ID, CHANNEL, connector, conversationPath, FakeIssuer, newTeamsAdapter, NUMBER, ROOT_ID, TENANT_ID } from './fixtures.js';
import { rejection } from '../helpers/rejection.js';

const THREAD: ThreadRef = { adapter: 'teams', channel: CHANNEL, id: ROOT_ID };
const IN_THREAD = `${CHANNEL};messageid=${ROOT_ID}`;
const AGENT_MESSAGE: ChatMessageRef = { adapter: 'teams', channel: CHANNEL, id: '1767326100500', threadId: ROOT_ID };

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function expectSend(conversationId: string, answer: { status: number; body?: unknown; headers?: Record<string, string> } = { status: 201, body: { id: '1767326100777' } }, bodies: Body[] = []) {
  connector()
    .post(conversationPath(conversationId), (body: Body) => {
      bodies.push(body);
      return true;
    })
    .reply(answer.status, answer.body as nock.Body, answer.headers);
  return bodies;
}

/** Every TextBlock text of a card, in order (columns and containers included). */
function texts(element: unknown): string[] {
  if (Array.isArray(element)) return element.flatMap(texts);
  if (typeof element !== 'object' || element === null) return [];
  const item = element as Body;
  const own = item.type === 'TextBlock' && item.isVisible !== false ? [String(item.text)] : [];
  return [...own, ...texts(item.body), ...texts(item.columns), ...texts(item.items)];
}

describe('TeamsAdapter outbound (Bot Connector)', () => {
  const issuer = new FakeIssuer();
  let adapter: TeamsAdapter;

  beforeEach(() => {
    nock.disableNetConnect();
    adapter = newTeamsAdapter(issuer, [{ ...NUMBER, language: 'es' }]);
  });

  afterEach(() => {
    expect(nock.pendingMocks(), 'every mocked call was made').to.deep.equal([]);
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('declares what Teams can do', () => {
    expect(adapter.name).to.equal('teams');
    expect(adapter.capabilities).to.deep.equal({
      customSender: false,
      reactions: false,
      ephemeral: false,
      maxTextLength: 20000,
      maxFileBytes: 100 * 1024 * 1024,
      fileCustomSender: true,
    });
    expect(adapter.routes().map((route) => `${route.method} ${route.path}`)).to.deep.equal(['POST /api/messages']);
  });

  it('opens a thread as a new channel conversation whose root is the header card', async () => {
    const bodies: Body[] = [];
    connector()
      .post('/amer/v3/conversations', (body: Body) => {
        bodies.push(body);
        return true;
      })
      .reply(201, { id: `${CHANNEL};messageid=1767326199999`, activityId: '1767326199999' });
    const thread = await adapter.openThread(CHANNEL, {
      customerName: 'Ana',
      customerNumber: '+34611111111',
      lineName: 'Ventas',
      returning: false,
      text: '*Ana* (+34611111111) wrote to *Ventas*. New contact.',
      key: 'header:1',
      actions: [
        { id: 'block', label: 'Block', command: 'block', text: '', style: 'danger' },
        { id: 'template', label: 'Send template', command: 'template', text: 'send', input: { title: 'Send a template', label: 'Template', submit: 'Send' } },
      ],
    });
    expect(thread).to.deep.equal({ adapter: 'teams', channel: CHANNEL, id: '1767326199999' });
    const [body] = bodies;
    expect(body).to.deep.include({ isGroup: true, bot: { id: `28:${APP_ID}` }, tenantId: TENANT_ID, channelData: { channel: { id: CHANNEL }, tenant: { id: TENANT_ID } } });
    const attachment = body?.activity.attachments[0];
    expect(attachment.contentType).to.equal(ADAPTIVE_CARD);
    expect(texts(attachment.content)).to.deep.equal(['👤 Ana', '+34611111111', '**Ana** (+34611111111) wrote to **Ventas**. New contact.']);
    expect(attachment.content.actions[0]).to.deep.equal({ type: 'Action.Submit', title: 'Block', data: { puente: 'action', command: 'block', text: '' }, style: 'destructive' });
    expect(attachment.content.actions[1].type).to.equal('Action.ShowCard');
    expect(attachment.content.actions[1].card.actions[0].data).to.deep.equal({ puente: 'action', command: 'template', text: 'send' });
    // The thread's key rides along, hidden, so a crash after this can find the root (findPosted).
    expect(attachment.content.body.at(-1)).to.deep.equal({ type: 'TextBlock', id: KEY_ELEMENT_ID, text: 'header:1', isVisible: false });
    expect(await adapter.findPosted(CHANNEL, undefined, 'header:1')).to.deep.equal({ adapter: 'teams', channel: CHANNEL, id: '1767326199999' });
  });

  it('posts a customer message into the thread as a card naming the customer and number', async () => {
    const bodies = expectSend(IN_THREAD);
    const ref = await adapter.post(THREAD, {
      text: 'Hola, *urgente*',
      sender: { name: 'Ana', subtitle: '+34611111111', iconUrl: 'https://img.example/ana.png' },
      quote: { author: 'Puente', text: 'Your order shipped' },
      key: 'in:1',
    });
    expect(ref).to.deep.equal({ adapter: 'teams', channel: CHANNEL, id: '1767326100777', threadId: ROOT_ID });
    const card = bodies[0]?.attachments[0].content;
    expect(texts(card)).to.deep.equal(['Ana', '+34611111111', 'Puente', 'Your order shipped', 'Hola, **urgente**']);
    expect(card.body[0].columns[0].items[0]).to.include({ type: 'Image', url: 'https://img.example/ana.png', style: 'Person' });
    expect(bodies[0]?.summary).to.equal('Ana: Hola, *urgente*');
  });

  it('posts text without a sender as a plain card carrying its key, with a stand-in id when Teams names no message', async () => {
    const bodies = expectSend(IN_THREAD, { status: 202, body: '' });
    const ref = await adapter.post(THREAD, { text: '👍', key: 'reaction:wamid:👍' });
    expect(bodies[0]?.summary).to.equal('👍');
    expect(texts(bodies[0]?.attachments[0].content)).to.deep.equal(['👍']);
    expect(bodies[0]?.attachments[0].content.body.at(-1)).to.include({ id: KEY_ELEMENT_ID, text: 'reaction:wamid:👍', isVisible: false });
    expect(ref.id).to.equal('unnamed:reaction:wamid:👍');
  });

  it('explains failures in the thread (notices)', async () => {
    const bodies = expectSend(IN_THREAD);
    await adapter.notify(THREAD, { kind: 'warning', text: 'Not delivered: WhatsApp error 131047: *window closed*' });
    expect(bodies[0]?.text).to.equal('⚠️ Not delivered: WhatsApp error 131047: **window closed**');
  });

  it('shows delivery status as a marker under the reply, updated in place, in the number’s language', async () => {
    const first = expectSend(IN_THREAD, { status: 201, body: { id: 'marker-1' } });
    await adapter.showStatus(AGENT_MESSAGE, 'sent');
    expect(first[0]?.text).to.equal('☑️ Enviado a WhatsApp');
    const updates: Body[] = [];
    connector()
      .put(conversationPath(IN_THREAD, 'marker-1'), (body: Body) => {
        updates.push(body);
        return true;
      })
      .reply(200, { id: 'marker-1' });
    await adapter.showStatus(AGENT_MESSAGE, 'read', 'sent');
    expect(updates[0]).to.include({ id: 'marker-1', text: '👀 Leído en WhatsApp' });
  });

  it('posts a new marker when the old one is gone', async () => {
    expectSend(IN_THREAD, { status: 201, body: { id: 'marker-1' } });
    await adapter.showStatus(AGENT_MESSAGE, 'sent');
    connector().put(conversationPath(IN_THREAD, 'marker-1')).reply(404, { error: { code: 'NotFound', message: 'gone' } });
    const bodies = expectSend(IN_THREAD, { status: 201, body: { id: 'marker-2' } });
    await adapter.showStatus(AGENT_MESSAGE, 'failed', 'sent');
    expect(bodies[0]?.text).to.equal('❌ No entregado en WhatsApp');
  });

  for (const status of [502, 504]) {
    it(`turns HTTP ${status} into a RetryableChatError with Retry-After (the core's durable retry)`, async () => {
      expectSend(IN_THREAD, { status, body: { error: { code: 'BadGateway', message: 'try later' } }, headers: { 'retry-after': '3' } });
      const error = await rejection(adapter.notify(THREAD, { kind: 'info', text: 'x' }));
      expect(error).to.be.instanceOf(RetryableChatError);
      expect((error as RetryableChatError).retryAfterMs).to.equal(3000);
    });
  }

  for (const status of [429, 412]) {
    it(`waits out a short HTTP ${status} (Retry-After) and sends again, in place`, async () => {
      const slept: number[] = [];
      adapter = newTeamsAdapter(issuer, [NUMBER], { pacer: { sleep: async (ms) => void slept.push(ms) } });
      expectSend(IN_THREAD, { status, body: { error: { code: 'Throttled', message: 'slow down' } }, headers: { 'retry-after': '3' } });
      const bodies = expectSend(IN_THREAD);
      await adapter.notify(THREAD, { kind: 'info', text: 'x' });
      expect(bodies).to.have.length(1);
      expect(slept.some((ms) => ms >= 2900 && ms <= 3000), `slept ${slept.join(', ')}`).to.equal(true);
    });

    it(`hands a long HTTP ${status} wait to the core as a RetryableChatError with Retry-After`, async () => {
      expectSend(IN_THREAD, { status, body: { error: { code: 'Throttled', message: 'slow down' } }, headers: { 'retry-after': '120' } });
      const error = await rejection(adapter.notify(THREAD, { kind: 'info', text: 'x' }));
      expect(error).to.be.instanceOf(RetryableChatError);
      expect((error as RetryableChatError).retryAfterMs).to.equal(120_000);
      // The thread stays held: the next call does not knock on Teams' door before the time is up.
      const held = await rejection(adapter.notify(THREAD, { kind: 'info', text: 'y' }));
      expect(held).to.be.instanceOf(RetryableChatError);
      expect((held as RetryableChatError).retryAfterMs).to.be.greaterThan(100_000);
    });
  }

  it('turns a network failure into a RetryableChatError, a 403 into a TeamsApiError', async () => {
    connector().post(conversationPath(IN_THREAD)).replyWithError('socket hang up');
    expect(await rejection(adapter.notify(THREAD, { kind: 'info', text: 'x' }))).to.be.instanceOf(RetryableChatError);
    expectSend(IN_THREAD, { status: 403, body: { error: { code: 'BotNotInConversationRoster', message: 'not installed' } } });
    const error = await rejection(adapter.notify(THREAD, { kind: 'info', text: 'x' }));
    expect(error).to.be.instanceOf(TeamsApiError);
    expect(error.message).to.equal('Teams send answered HTTP 403: BotNotInConversationRoster: not installed');
  });

  it('announces to a channel as a new conversation', async () => {
    connector().post('/amer/v3/conversations').reply(201, { id: `${CHANNEL};messageid=42` });
    expect(await adapter.announce(CHANNEL, { text: 'alert', key: 'a' })).to.deep.equal({ adapter: 'teams', channel: CHANNEL, id: '42' });
  });

  it('finds nothing it did not post (no Graph access in this setup), and cannot react', async () => {
    expect(await adapter.findPosted(CHANNEL, THREAD, 'k')).to.equal(undefined);
    expect(await rejection(adapter.react(AGENT_MESSAGE, '👍', false))).to.be.instanceOf(Error);
  });

  describe('files', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'puente-teams-'));
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it('shows a customer’s image inline in a card', async () => {
      const path = join(dir, 'photo.png');
      await writeFile(path, Buffer.from('89504e470d0a1a0a', 'hex'));
      const staged = await adapter.stageFile({ path, name: 'photo.png', size: 8, mimeType: 'image/png' });
      const bodies = expectSend(IN_THREAD);
      const ref = await adapter.shareFile(THREAD, staged, { text: 'mira', sender: { name: 'Ana' } });
      expect(ref?.id).to.equal('1767326100777');
      const card = bodies[0]?.attachments[0].content;
      expect(card.body.at(-2)).to.deep.equal({ type: 'Image', url: 'data:image/png;base64,iVBORw0KGgo=', altText: 'photo.png', size: 'Large' });
      expect(card.body.at(-1)).to.include({ id: KEY_ELEMENT_ID, text: staged.key });
      expect(await adapter.findPosted(CHANNEL, THREAD, staged.key)).to.deep.equal({ adapter: 'teams', channel: CHANNEL, id: '1767326100777', threadId: ROOT_ID });
    });

    it('refuses files Teams bots cannot show in channels, and images over the inline limit', async () => {
      const error = await rejection(adapter.stageFile({ path: join(dir, 'x.pdf'), name: 'x.pdf', size: 10, mimeType: 'application/pdf' }));
      expect(error).to.be.instanceOf(MediaError);
      expect((error as MediaError).problem).to.deep.equal({ reason: 'type', mimeType: 'application/pdf' });
      const big = await rejection(adapter.stageFile({ path: join(dir, 'x.png'), name: 'x.png', size: 2 * 1024 * 1024, mimeType: 'image/png' }));
      expect((big as MediaError).problem).to.deep.equal({ reason: 'too-large', size: 2 * 1024 * 1024, limit: 1024 * 1024 });
    });

    it('downloads an agent’s pasted image with the bot token', async () => {
      connector().get('/amer/v3/attachments/abc/views/original').reply(200, Buffer.from('png-bytes'), { 'content-length': '9' });
      const download = await adapter.openFile({ id: 'a-0', name: 'image-1.png', source: 'https://smba.test/amer/v3/attachments/abc/views/original' });
      expect(download.size).to.equal(9);
      const chunks: Buffer[] = [];
      for await (const chunk of download.body) chunks.push(Buffer.from(chunk as Uint8Array));
      expect(Buffer.concat(chunks).toString()).to.equal('png-bytes');
    });

    it('never sends the bot token to a host that is not the Bot Connector', async () => {
      const error = await rejection(adapter.openFile({ id: 'x', name: 'x.png', source: 'https://evil.example/steal' }));
      expect((error as MediaError).problem.reason).to.equal('refused');
    });

    it('classifies download failures as media problems', async () => {
      connector().get('/amer/v3/attachments/gone/views/original').reply(404);
      const gone = await rejection(adapter.openFile({ id: 'g', name: 'g.png', source: 'https://smba.test/amer/v3/attachments/gone/views/original' }));
      expect((gone as MediaError).problem.reason).to.equal('gone');
      connector().get('/amer/v3/attachments/busy/views/original').reply(503);
      const busy = await rejection(adapter.openFile({ id: 'b', name: 'b.png', source: 'https://smba.test/amer/v3/attachments/busy/views/original' }));
      expect((busy as MediaError).retryable).to.equal(true);
    });
  });
});
