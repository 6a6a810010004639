import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bridge, CUSTOMER_WINDOW_MS, type BridgeConfig } from '../../bot/bridge.js';
import { silentLogger } from '../../bot/logger.js';
import type { AgentMessage, ChatMessageRef, ThreadRef } from '../../bot/types.js';
import { parseWebhook } from '../../adapters/whatsapp/parse.js';
import { EmbeddedStore } from '../../storage/embedded/embedded-store.js';
import { graphError, RecordingAdapter, ScriptedWhatsApp } from '../helpers/recording-adapter.js';
import { messageWebhook, statusWebhook, textWebhook } from '../helpers/webhooks.js';

const SALES = { phoneNumberId: '1001', displayNumber: '34910000001' };
const SUPPORT = { phoneNumberId: '1002', displayNumber: '34910000002' };
const ANA = { waId: '34611111111', name: 'Ana García' };

function bridgeConfig(overrides: Partial<BridgeConfig> = {}): BridgeConfig {
  return {
    numbers: [
      { phoneNumberId: SALES.phoneNumberId, displayName: 'Ventas', adapter: 'rec', channel: 'C-SALES', senderMode: 'branded', sendRate: 1000, language: 'es' },
      { phoneNumberId: SUPPORT.phoneNumberId, displayName: 'Support', adapter: 'rec', channel: 'C-SUPPORT', senderMode: 'agent', sendRate: 1000, language: 'en' },
    ],
    internalNotePrefix: '//',
    agentSignature: '',
    inDoubtGraceMs: 200,
    ...overrides,
  };
}

describe('Bridge core', () => {
  let dir: string;
  let store: EmbeddedStore;
  let adapter: RecordingAdapter;
  let whatsapp: ScriptedWhatsApp;
  let bridge: Bridge;
  let clock: number;

  async function makeBridge(config = bridgeConfig()): Promise<Bridge> {
    const created = new Bridge({
      config,
      store,
      whatsapp,
      parseWebhook,
      adapters: new Map([['rec', adapter]]),
      logger: silentLogger(),
      now: () => clock,
      retryPolicy: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 4, pairRateUnitMs: 5 },
    });
    await adapter.start(created);
    return created;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'puente-bridge-'));
    store = new EmbeddedStore({ dataDir: dir, logger: silentLogger() });
    await store.open();
    adapter = new RecordingAdapter();
    whatsapp = new ScriptedWhatsApp();
    clock = Date.now();
    bridge = await makeBridge();
  });

  afterEach(async () => {
    await bridge.stop(1000);
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function customerWrites(text: string, number = SALES, options: { wamid?: string; quotedWamid?: string } = {}): Promise<string> {
    const webhook = textWebhook(number, ANA, text, { timestampMs: clock, ...options });
    await bridge.acceptWhatsAppWebhook(webhook.body);
    await bridge.idle();
    return webhook.wamid;
  }

  let agentTs = 0;
  function agentReply(thread: ThreadRef, text: string, agent = { id: 'U1', displayName: 'Lucía' }): AgentMessage {
    agentTs += 1;
    const ref: ChatMessageRef = { adapter: 'rec', channel: thread.channel, id: `1800000000.${agentTs}`, threadId: thread.id };
    return { key: `rec:${ref.channel}:${ref.id}`, ref, thread, agent, text, timestamp: clock };
  }

  it('opens one thread per conversation with a header, then posts in it under the customer name', async () => {
    await customerWrites('Hola, ¿tenéis envío a Canarias?');
    await customerWrites('Es para mañana');
    expect(adapter.threads).to.have.length(1);
    const [thread] = adapter.threads;
    expect(thread!.channel).to.equal('C-SALES');
    expect(thread!.header.text).to.contain('Ana García').and.contain('+34611111111').and.contain('Ventas').and.contain('Contacto nuevo');
    expect(adapter.posts.map((post) => post.post.text)).to.deep.equal(['Hola, ¿tenéis envío a Canarias?', 'Es para mañana']);
    expect(adapter.posts.every((post) => post.thread.id === thread!.ref.id)).to.equal(true);
    expect(adapter.posts[0]!.post.sender?.name).to.equal('Ana García');
  });

  it('routes each business number to its own channel and marks a customer known on another line as returning', async () => {
    await customerWrites('hola ventas', SALES);
    await customerWrites('hello support', SUPPORT);
    expect(adapter.threads.map((thread) => thread.channel)).to.deep.equal(['C-SALES', 'C-SUPPORT']);
    expect(adapter.threads[1]!.header.returning).to.equal(true);
    expect(adapter.threads[1]!.header.text).to.contain('Returning contact');
  });

  it('skips a redelivered webhook (same wamid) and keeps unicode intact', async () => {
    const text = 'Gracias 👍🏽 👨‍👩‍👧 🇪🇸 *negrita* _cursiva_ ~tachado~ ```mono``` ñandú';
    const webhook = textWebhook(SALES, ANA, text, { timestampMs: clock });
    await bridge.acceptWhatsAppWebhook(webhook.body);
    await bridge.acceptWhatsAppWebhook(webhook.body);
    await bridge.idle();
    expect(adapter.posts).to.have.length(1);
    expect(adapter.posts[0]!.post.text).to.equal(text);
    expect(await store.pendingInbox()).to.have.length(0);
  });

  it('acknowledges and completes malformed or unknown webhooks without posting', async () => {
    await bridge.acceptWhatsAppWebhook('{"object": "whatsapp_business_account", "entry": [');
    await bridge.acceptWhatsAppWebhook(textWebhook({ phoneNumberId: '999', displayNumber: '1' }, ANA, 'to an unknown number').body);
    await bridge.idle();
    expect(adapter.posts).to.have.length(0);
    expect(await store.pendingInbox()).to.have.length(0);
  });

  it('relays an agent reply as the company in branded mode and records the wamid', async () => {
    await customerWrites('¿Precio?');
    const thread = adapter.threads[0]!.ref;
    const reply = agentReply(thread, '*29 €* con envío');
    await bridge.onAgentMessage(reply);
    await bridge.idle();
    expect(whatsapp.succeeded()).to.have.length(1);
    const [send] = whatsapp.succeeded();
    expect(send!.payload).to.deep.equal({ type: 'text', text: '*29 €* con envío' });
    expect(send!.customer.waId).to.equal(ANA.waId);
    expect(send!.options?.callbackData).to.equal(`${reply.key}#0`);
    expect((await store.getMessage(reply.key))?.wamids).to.deep.equal([send!.wamid]);
  });

  it('signs replies with the agent name in agent mode', async () => {
    await customerWrites('help', SUPPORT);
    await bridge.onAgentMessage(agentReply(adapter.threads[0]!.ref, 'On it!'));
    await bridge.idle();
    expect(whatsapp.succeeded()[0]!.payload).to.deep.equal({ type: 'text', text: '*Lucía*:\nOn it!' });
  });

  it('keeps internal notes internal and ignores threads it did not open and chat-tool retries', async () => {
    await customerWrites('hola');
    const thread = adapter.threads[0]!.ref;
    await bridge.onAgentMessage(agentReply(thread, '// ojo, cliente VIP'));
    await bridge.onAgentMessage(agentReply({ adapter: 'rec', channel: 'C-SALES', id: '999.999' }, 'not a bridged thread'));
    const reply = agentReply(thread, 'Hola Ana');
    await bridge.onAgentMessage(reply);
    await bridge.onAgentMessage(reply); // the chat tool retried the event
    await bridge.idle();
    expect(whatsapp.sends.map((send) => send.payload)).to.deep.equal([{ type: 'text', text: 'Hola Ana' }]);
  });

  it('splits replies over 4096 characters in order', async () => {
    await customerWrites('hola');
    const long = `${'a'.repeat(4000)} ${'b'.repeat(4000)} ${'c'.repeat(100)}`;
    await bridge.onAgentMessage(agentReply(adapter.threads[0]!.ref, long));
    await bridge.idle();
    const texts = whatsapp.succeeded().map((send) => (send.payload as { text: string }).text);
    expect(texts).to.have.length(3);
    expect(texts.every((text) => text.length <= 4096)).to.equal(true);
    expect(texts.join(' ')).to.equal(long);
  });

  it('refuses a free-form reply outside the 24-hour window and tells the thread', async () => {
    await customerWrites('hola');
    clock += CUSTOMER_WINDOW_MS + 1000;
    const reply = agentReply(adapter.threads[0]!.ref, '¿Sigues ahí?');
    await bridge.onAgentMessage(reply);
    await bridge.idle();
    expect(whatsapp.sends).to.have.length(0);
    expect(adapter.notices.map((notice) => notice.notice.text).join('\n')).to.contain('24 horas').and.contain('/template');
    expect(adapter.statuses.at(-1)).to.include({ state: 'failed' });
  });

  it('reopens the window when a replayed webhook finds its message stored but not the conversation update', async () => {
    await customerWrites('hola');
    const conversationId = (await store.findConversationByThread('rec', adapter.threads[0]!.ref.channel, adapter.threads[0]!.ref.id))!.id;
    clock += CUSTOMER_WINDOW_MS + 1000;
    // As if the bridge died between the two writes: the message record is on disk, the window's new start is not.
    const webhook = textWebhook(SALES, ANA, '¿Sigue abierto?', { timestampMs: clock });
    await store.insertMessage({ key: webhook.wamid, direction: 'in', conversationId, wamids: [webhook.wamid], at: clock });
    await bridge.acceptWhatsAppWebhook(webhook.body);
    await bridge.idle();
    // WhatsApp timestamps are whole seconds.
    expect((await store.getConversation(conversationId))?.lastInboundAt).to.equal(Math.floor(clock / 1000) * 1000);
    await bridge.onAgentMessage(agentReply(adapter.threads[0]!.ref, 'Sí, dime'));
    await bridge.idle();
    expect(whatsapp.succeeded()).to.have.length(1);
  });

  it('retries throughput errors and reports final errors with code and reason', async () => {
    await customerWrites('hola');
    const thread = adapter.threads[0]!.ref;
    whatsapp.failures.push(graphError(130429, 'retry'), graphError(131026, 'final', 'Receiver is incapable of receiving this message'));
    await bridge.onAgentMessage(agentReply(thread, 'uno'));
    await bridge.idle();
    expect(whatsapp.sends).to.have.length(2);
    expect(whatsapp.succeeded()).to.have.length(0);
    const notice = adapter.notices.at(-1)!.notice;
    expect(notice.text).to.contain('131026').and.contain('Receiver is incapable');
    expect(adapter.statuses.at(-1)).to.include({ state: 'failed' });
  });

  it('shows delivery states in order and never moves them backwards', async () => {
    await customerWrites('hola');
    const reply = agentReply(adapter.threads[0]!.ref, 'Hola');
    await bridge.onAgentMessage(reply);
    await bridge.idle();
    const wamid = whatsapp.succeeded()[0]!.wamid!;
    for (const status of ['delivered', 'sent', 'read', 'delivered']) {
      await bridge.acceptWhatsAppWebhook(statusWebhook(SALES, { wamid, status, recipient: ANA.waId }));
      await bridge.idle();
    }
    expect(adapter.statuses.map((status) => status.state)).to.deep.equal(['delivered', 'read']);
    expect((await store.getMessage(reply.key))?.status).to.equal('read');
  });

  it('completes a status webhook even when the marker cannot be shown (the agent deleted the message)', async () => {
    await customerWrites('hola');
    await bridge.onAgentMessage(agentReply(adapter.threads[0]!.ref, 'Hola'));
    await bridge.idle();
    const wamid = whatsapp.succeeded()[0]!.wamid!;
    adapter.showStatus = async () => {
      throw new Error('message_not_found');
    };
    await bridge.acceptWhatsAppWebhook(statusWebhook(SALES, { wamid, status: 'delivered', recipient: ANA.waId }));
    await bridge.idle();
    expect(await store.pendingInbox()).to.have.length(0);
    expect((await store.findMessageByWamid(wamid))?.status).to.equal('delivered');
  });

  it('explains a failed status in the thread', async () => {
    await customerWrites('hola');
    await bridge.onAgentMessage(agentReply(adapter.threads[0]!.ref, 'Hola'));
    await bridge.idle();
    const wamid = whatsapp.succeeded()[0]!.wamid!;
    await bridge.acceptWhatsAppWebhook(
      statusWebhook(SALES, { wamid, status: 'failed', recipient: ANA.waId, errors: [{ code: 131049, details: 'ecosystem engagement' }] }),
    );
    await bridge.idle();
    expect(adapter.statuses.map((status) => status.state)).to.deep.equal(['failed']);
    expect(adapter.notices.at(-1)!.notice.text).to.contain('131049').and.contain('ecosystem engagement');
  });

  it('shows quoted replies with the quoted text', async () => {
    await customerWrites('hola');
    await bridge.onAgentMessage(agentReply(adapter.threads[0]!.ref, 'El pedido sale hoy'));
    await bridge.idle();
    const wamid = whatsapp.succeeded()[0]!.wamid!;
    await customerWrites('¿A qué hora?', SALES, { quotedWamid: wamid });
    expect(adapter.posts.at(-1)!.post.quote).to.deep.equal({ text: 'El pedido sale hoy', author: 'Ventas' });
  });

  it('puts customer reactions on the agent message, replacing and removing them', async () => {
    await customerWrites('hola');
    const reply = agentReply(adapter.threads[0]!.ref, 'Listo');
    await bridge.onAgentMessage(reply);
    await bridge.idle();
    const target = whatsapp.succeeded()[0]!.wamid!;
    const react = async (emoji?: string): Promise<void> => {
      const reaction = emoji === undefined ? { message_id: target } : { message_id: target, emoji };
      await bridge.acceptWhatsAppWebhook(messageWebhook(SALES, ANA, { type: 'reaction', reaction }, { timestampMs: clock }).body);
      await bridge.idle();
    };
    await react('❤️');
    await react('👍🏽');
    await react(undefined);
    expect(adapter.reactions.map(({ emoji, remove, ref }) => [emoji, remove, ref.id])).to.deep.equal([
      ['❤️', false, reply.ref.id],
      ['❤️', true, reply.ref.id],
      ['👍🏽', false, reply.ref.id],
      ['👍🏽', true, reply.ref.id],
    ]);
  });

  it('sends an agent reaction on a customer message to WhatsApp, and says when it cannot', async () => {
    await customerWrites('hola');
    const customerPost = adapter.posts[0]!;
    const wamid = (await store.findMessageByChatRef(customerPost.ref))!.key;
    await bridge.onAgentReaction({ key: 'r1', target: customerPost.ref, agent: { id: 'U1' }, emoji: '🙏', emojiName: 'pray', removed: false });
    await bridge.onAgentReaction({ key: 'r2', target: customerPost.ref, agent: { id: 'U1' }, emojiName: 'partyparrot', removed: false });
    await bridge.idle();
    expect(whatsapp.succeeded().map((send) => send.payload)).to.deep.equal([{ type: 'reaction', targetWamid: wamid, emoji: '🙏' }]);
    expect(adapter.notices.at(-1)!.notice).to.include({ onlyTo: 'U1' });
    expect(adapter.notices.at(-1)!.notice.text).to.contain('partyparrot');
  });

  it('tells the agent, privately, that edits and deletes of relayed replies cannot follow', async () => {
    await customerWrites('hola');
    const thread = adapter.threads[0]!.ref;
    const reply = agentReply(thread, 'Hola');
    await bridge.onAgentMessage(reply);
    await bridge.idle();
    await bridge.onAgentChange({ kind: 'edit', target: reply.ref, thread, agent: reply.agent });
    await bridge.onAgentChange({ kind: 'delete', target: reply.ref, thread, agent: reply.agent });
    const texts = adapter.notices.map((notice) => notice.notice);
    expect(texts).to.have.length(2);
    expect(texts.every((notice) => notice.onlyTo === 'U1')).to.equal(true);
    expect(texts[0]!.text).to.contain('ediciones');
  });

  it('retries a chat tool that is rate limited and keeps the customer messages in order', async () => {
    const { RetryableChatError } = await import('../../bot/chat-adapter.js');
    adapter.failPosts = { count: 2, error: new RetryableChatError('ratelimited', 5) };
    for (const text of ['uno', 'dos', 'tres']) {
      await bridge.acceptWhatsAppWebhook(textWebhook(SALES, ANA, text, { timestampMs: clock }).body);
    }
    await bridge.idle();
    expect(adapter.posts.map((post) => post.post.text)).to.deep.equal(['uno', 'dos', 'tres']);
  });

  it('after a crash, looks up posts that may have happened instead of repeating them', async () => {
    const webhook = textWebhook(SALES, ANA, 'hola', { timestampMs: clock });
    await bridge.acceptWhatsAppWebhook(webhook.body);
    await bridge.idle();
    expect(adapter.threads).to.have.length(1);
    // A run that died after posting but before recording anything left only the inbox item behind.
    await bridge.stop(100);
    await store.close();
    await rm(dir, { recursive: true, force: true });
    store = new EmbeddedStore({ dataDir: dir, logger: silentLogger() });
    await store.open();
    await store.appendInbox('whatsapp', webhook.body, clock);
    bridge = await makeBridge();
    await bridge.recover();
    await bridge.idle();
    expect(adapter.threads).to.have.length(1);
    expect(adapter.posts).to.have.length(1);
    expect((await store.getMessage(webhook.wamid))?.chat).to.deep.equal(adapter.posts[0]!.ref);
    expect((await store.findConversationByThread('rec', 'C-SALES', adapter.threads[0]!.ref.id))?.customer.name).to.equal('Ana García');
    expect(await store.pendingInbox()).to.have.length(0);
  });

  it('after a crash, a pending send waits for proof of delivery before re-sending', async () => {
    await customerWrites('hola');
    const thread = adapter.threads[0]!.ref;
    const conversation = await store.findConversationByThread('rec', thread.channel, thread.id);
    // Two sends left pending by a "previous run": one that did go out (a status will prove it), one that did not.
    await store.appendOutbox([
      { id: 'm1#0', messageKey: 'm1', conversationId: conversation!.id, numberId: SALES.phoneNumberId, payload: { type: 'text', text: 'went out' }, createdAt: clock },
      { id: 'm2#0', messageKey: 'm2', conversationId: conversation!.id, numberId: SALES.phoneNumberId, payload: { type: 'text', text: 'never sent' }, createdAt: clock },
    ]);
    await store.insertMessage({ key: 'm1', direction: 'out', conversationId: conversation!.id, wamids: [], at: clock });
    await bridge.recover();
    await bridge.acceptWhatsAppWebhook(statusWebhook(SALES, { wamid: 'wamid.proof', status: 'sent', recipient: ANA.waId, callbackData: 'm1#0' }));
    await bridge.idle();
    expect(whatsapp.sends.map((send) => (send.payload as { text: string }).text)).to.deep.equal(['never sent']);
    expect(await store.getOutboxResult('m1#0')).to.deep.equal({ ok: true, wamid: 'wamid.proof' });
    expect((await store.getMessage('m1'))?.wamids).to.deep.equal(['wamid.proof']);
    expect(await store.pendingOutbox()).to.have.length(0);
  });
});
