/**
 * The whole bridge (app.ts `startPuente`, as `npm start` wires it) with a number on `adapter: cliq`,
 * the local WhatsApp emulator and the fake Cliq: customer → thread, agent reply → WhatsApp, files
 * both ways, slash commands through the core's command layer and roles, refused webhook calls.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Puente } from '../../app.js';
import { silentLogger } from '../../bot/logger.js';
import { loadConfig } from '../../config/load.js';
import { WhatsAppEmulator } from '../../sandbox/emulators/index.js';
import { jpeg, pdf } from '../helpers/media-files.js';
import { FakeCliq, participationBody } from './fake-cliq.js';

const APP_SECRET = 'cliq-app-secret';
const ACCESS_TOKEN = 'EAAG-cliq';
const SECRET = 'cliq-webhook-secret-0123456789';
const SALES = { phoneNumberId: '1001', displayNumber: '34910000001' };
const ANA = { waId: '34611111111', name: 'Ana García' };
const SUPERVISOR = { id: '63000001', first_name: 'Marta', last_name: 'Ruiz' };
const AGENT = { id: '63000002', first_name: 'Lucía', last_name: 'Pérez' };

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

describe('Bridge with Zoho Cliq', () => {
  let whatsapp: WhatsAppEmulator;
  let cliq: FakeCliq;
  let puente: Puente;
  let workDir: string;

  beforeEach(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'puente-cliq-bridge-'));
    whatsapp = new WhatsAppEmulator({ appSecret: APP_SECRET, accessToken: ACCESS_TOKEN, numbers: [SALES] });
    cliq = new FakeCliq();
    const graphUrl = await whatsapp.start();
    const cliqUrl = await cliq.start();
    const configFile = join(workDir, 'puente.yaml');
    await writeFile(configFile, `numbers:\n  - { phone_number_id: "${SALES.phoneNumberId}", display_name: Ventas, adapter: cliq, channel: ventas, language: es }\n`);
    const config = loadConfig({
      PUENTE_CONFIG: configFile,
      DATA_DIR: join(workDir, 'data'),
      WHATSAPP_ACCESS_TOKEN: ACCESS_TOKEN,
      WHATSAPP_APP_SECRET: APP_SECRET,
      WHATSAPP_VERIFY_TOKEN: 'verify',
      WHATSAPP_API_URL: graphUrl,
      CLIQ_CLIENT_ID: cliq.clientId,
      CLIQ_CLIENT_SECRET: cliq.clientSecret,
      CLIQ_REFRESH_TOKEN: cliq.refreshToken,
      CLIQ_DATA_CENTRE: 'eu',
      CLIQ_API_URL: cliqUrl,
      CLIQ_ACCOUNTS_URL: cliqUrl,
      CLIQ_BOT_UNIQUE_NAME: 'puentebot',
      CLIQ_WEBHOOK_SECRET: SECRET,
      SUPERVISORS: SUPERVISOR.id,
    });
    expect(config.slack).to.equal(undefined);
    // Imported as `npm start` loads it (ESM): app.ts imports adapters lazily, and a static import here
    // would give the core (loaded through mocha's require) other copies of bot/ classes than the
    // adapter's, so `instanceof RetryableChatError` would fail only under test.
    const { startPuente } = await import('../../app.js');
    puente = await startPuente({ ...config, port: 0 }, silentLogger(), { host: '127.0.0.1' });
    whatsapp.setWebhookUrl(`http://127.0.0.1:${puente.port}/webhooks/whatsapp`);
  });

  afterEach(async () => {
    await puente?.stop();
    await whatsapp?.stop();
    await cliq?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  const toBridge = (body: unknown, token: string | null = SECRET) =>
    fetch(`http://127.0.0.1:${puente.port}/webhooks/cliq`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token !== null ? { 'x-puente-token': token } : {}) },
      body: JSON.stringify(body),
    });

  async function customerWrites(text: string): Promise<void> {
    expect((await whatsapp.sendText(SALES.phoneNumberId, ANA, text)).status).to.equal(200);
    await puente.bridge.idle();
  }

  it('opens a thread for the first message and posts the customer under their name', async () => {
    await customerWrites('Hola, ¿tenéis la talla M?');
    expect(cliq.threads).to.have.length(1);
    const [root, opening, message] = cliq.posts;
    expect(root!.channel).to.equal('ventas');
    expect(root!.body.text).to.contain('Ana García');
    expect(opening!.body.thread_message_id).to.equal(root!.messageId);
    expect(message!.text).to.equal('Hola, ¿tenéis la talla M?');
    expect(message!.body).to.deep.include({ thread_message_id: root!.messageId, bot: { name: 'Ana García' } });
    for (const post of cliq.posts) expect(post.query.bot_unique_name).to.equal('puentebot');
    await customerWrites('¿Y en azul?');
    expect(cliq.threads).to.have.length(1);
    expect(cliq.posts.at(-1)!.text).to.equal('¿Y en azul?');
    expect(cliq.posts.at(-1)!.body).to.deep.include({ thread_message_id: root!.messageId });
  });

  it('relays an agent reply from the thread to WhatsApp, once', async () => {
    await customerWrites('Hola');
    const thread = cliq.threads[0]!;
    const body = participationBody({ messageId: '1764080000001_x', threadChatId: thread.threadChatId, text: 'Sí, *la tenemos* en M' });
    expect((await toBridge(body)).status).to.equal(200);
    const sent = await until('reply on WhatsApp', () => whatsapp.sent({ to: ANA.waId }).find((record) => record.type === 'text'));
    expect((sent.body.text as { body: string }).body).to.equal('Sí, *la tenemos* en M');
    expect((await toBridge(body)).status).to.equal(200); // Cliq or the handler repeats itself
    await puente.bridge.idle();
    expect(whatsapp.sent({ to: ANA.waId }).filter((record) => record.type === 'text')).to.have.length(1);
  });

  it('sends an agent file from the thread to WhatsApp', async () => {
    await customerWrites('¿Me mandas la factura?');
    cliq.files.set('f-981', { name: 'factura.pdf', type: 'application/pdf', data: pdf() });
    const body = participationBody({ messageId: '1764080000002_x', threadChatId: cliq.threads[0]!.threadChatId, text: 'Aquí está', file: { id: 'f-981', name: 'factura.pdf', type: 'application/pdf' } });
    expect((await toBridge(body)).status).to.equal(200);
    const sent = await until('document on WhatsApp', () => whatsapp.sent({ to: ANA.waId }).find((record) => record.type === 'document'));
    expect((sent.body.document as { filename?: string }).filename).to.equal('factura.pdf');
    expect(cliq.requests.some((request) => request.path === '/api/v2/files/f-981')).to.equal(true);
  });

  it('fetches an agent file the handler names only by file name, through the chat it was written in', async () => {
    await customerWrites('¿Me mandas la factura?');
    const thread = cliq.threads[0]!;
    const written = cliq.addMessage(thread.threadChatId, { text: 'Aquí está', file: { name: 'factura.pdf', type: 'application/pdf', data: pdf() } });
    const body = participationBody({ messageId: written.id, threadChatId: thread.threadChatId, text: 'Aquí está' });
    (body.data as { message: Record<string, unknown> }).message.attachments = ['factura.pdf'];
    expect((await toBridge(body)).status).to.equal(200);
    const sent = await until('document on WhatsApp', () => whatsapp.sent({ to: ANA.waId }).find((record) => record.type === 'document'));
    expect((sent.body.document as { filename?: string }).filename).to.equal('factura.pdf');
    expect(cliq.requests.some((request) => request.path === `/api/v2/chats/${thread.threadChatId}/messages`)).to.equal(true);
    expect(cliq.requests.some((request) => request.path === `/api/v2/files/${written.file!.id}`)).to.equal(true);
  });

  it('/dnc import reads the newest CSV shared in the Cliq channel', async () => {
    cliq.addMessage(cliq.channelChatId('ventas'), { file: { name: 'robinson.csv', type: 'text/csv', data: Buffer.from('telefono\n+34 622 22 22 22\n+34 633 33 33 33\n') } });
    const response = await toBridge({ type: 'command', command: 'dnc', arguments: 'import', user: SUPERVISOR, chat: { id: 'CT_ventas_2243', type: 'channel', title: 'ventas' } });
    const reply = (await response.json()) as { text: string };
    expect(reply.text).to.contain('2');
    expect(reply.text).to.contain('robinson.csv');
    const check = await toBridge({ type: 'command', command: 'dnc', arguments: 'check +34622222222', user: SUPERVISOR, chat: { id: 'CT_ventas_2243', type: 'channel' } });
    expect(((await check.json()) as { text: string }).text).to.contain('⛔');
  });

  it('posts a customer photo into the thread as a file', async () => {
    await customerWrites('Hola');
    expect((await whatsapp.sendMedia(SALES.phoneNumberId, ANA, { kind: 'image', data: jpeg(), mimeType: 'image/jpeg', caption: 'la caja rota' })).status).to.equal(200);
    await puente.bridge.idle();
    const upload = await until('file in Cliq', () => cliq.posts.find((post) => post.file));
    expect(upload.body.thread_message_id).to.equal(cliq.threads[0]!.parentMessageId);
    expect(upload.file!.field).to.equal('attachments');
    expect(upload.file!.data.equals(jpeg())).to.equal(true);
    expect(String(upload.body.text)).to.contain('Ana García'); // no custom sender on files: the core names the customer
  });

  it('survives a Cliq lockout: the core waits Retry-After and drains every post, in order', async () => {
    cliq.throttleNext(1, { status: 429, retryAfter: 1 });
    await customerWrites('uno');
    await customerWrites('dos');
    expect(cliq.threads).to.have.length(1);
    expect(cliq.posts.filter((post) => post.body.bot).map((post) => post.text)).to.deep.equal(['uno', 'dos']);
  });

  it('refuses webhook calls without the shared secret, and relays nothing', async () => {
    await customerWrites('Hola');
    const body = participationBody({ messageId: '1764080000003_x', threadChatId: cliq.threads[0]!.threadChatId, text: 'intruso' });
    expect((await toBridge(body, null)).status).to.equal(401);
    expect((await toBridge(body, 'wrong-secret')).status).to.equal(401);
    expect((await toBridge(body, `${SECRET}x`)).status).to.equal(401);
    await puente.bridge.idle();
    expect(whatsapp.sent({ to: ANA.waId })).to.have.length(0);
  });

  it('tells only the agent, as a direct message from the bot, that an edit does not reach WhatsApp', async () => {
    await customerWrites('Hola');
    const thread = cliq.threads[0]!;
    const reply = participationBody({ messageId: '1764080000005_x', threadChatId: thread.threadChatId, text: 'Hola Ana' });
    expect((await toBridge(reply)).status).to.equal(200);
    await until('reply on WhatsApp', () => whatsapp.sent({ to: ANA.waId }).length === 1);
    const before = cliq.posts.length;
    expect((await toBridge({ ...reply, operation: 'message_edited' })).status).to.equal(200);
    await puente.bridge.idle();
    const notice = await until('edit notice', () => cliq.botMessages.find((message) => String(message.body.text).startsWith('⚠️')));
    expect(notice.bot).to.equal('puentebot');
    expect(notice.body.user_ids).to.equal('63123456'); // the agent who edited, nobody else
    expect(String(notice.body.text)).to.contain('WhatsApp');
    expect(cliq.posts.slice(before).filter((post) => post.text.startsWith('⚠️'))).to.have.length(0);
    expect(whatsapp.sent({ to: ANA.waId })).to.have.length(1);
  });

  it("shows WhatsApp's delivery states on the agent's message as reactions, each replacing the last", async () => {
    await customerWrites('Hola');
    const thread = cliq.threads[0]!;
    const reply = participationBody({ messageId: '1764080000006_x', threadChatId: thread.threadChatId, text: 'Buenos días' });
    expect((await toBridge(reply)).status).to.equal(200);
    await until('read on the reply', () => cliq.reactionsOn('1764080000006_x').join() === '👀');
    await puente.bridge.idle();
    const history = cliq.reactions.filter((reaction) => reaction.messageId === '1764080000006_x');
    expect(history.map((reaction) => `${reaction.op} ${reaction.emoji}`)).to.deep.equal(['add ☑️', 'add ✅', 'remove ☑️', 'add 👀', 'remove ✅']);
    // In the thread's chat, where the agent wrote it.
    expect(history.every((reaction) => reaction.chatId === thread.threadChatId)).to.equal(true);
  });

  it('marks a reply WhatsApp could not deliver with ❌ and explains it in the thread', async () => {
    await customerWrites('Hola');
    const thread = cliq.threads[0]!;
    whatsapp.failNext(1, { code: 131026, mode: 'async' });
    expect((await toBridge(participationBody({ messageId: '1764080000008_x', threadChatId: thread.threadChatId, text: 'No llegará' }))).status).to.equal(200);
    await until('❌ on the reply', () => cliq.reactionsOn('1764080000008_x').includes('❌'));
    const notice = await until('failure notice', () => cliq.posts.find((post) => post.text.startsWith('🛑') && post.text.includes('131026')));
    expect(notice.body.thread_message_id).to.equal(thread.parentMessageId);
    expect(cliq.botMessages).to.have.length(0); // everyone in the thread sees why
  });

  it('never moves a delivery state back when WhatsApp reports out of order', async () => {
    await customerWrites('Hola');
    whatsapp.holdStatuses();
    const thread = cliq.threads[0]!;
    expect((await toBridge(participationBody({ messageId: '1764080000007_x', threadChatId: thread.threadChatId, text: 'Enviado' }))).status).to.equal(200);
    await until('three statuses held', () => whatsapp.heldStatuses().length === 3);
    await whatsapp.releaseStatuses({ order: 'reverse' });
    await until('read on the reply', () => cliq.reactionsOn('1764080000007_x').join() === '👀');
    await puente.bridge.idle();
    expect(cliq.reactions.filter((reaction) => reaction.messageId === '1764080000007_x').map((reaction) => `${reaction.op} ${reaction.emoji}`)).to.deep.equal(['add 👀']);
  });

  it("drops the bot's own posts and the service user's messages", async () => {
    await customerWrites('Hola');
    const thread = cliq.threads[0]!;
    const own = cliq.posts.at(-1)!;
    expect((await toBridge(participationBody({ messageId: own.messageId, threadChatId: thread.threadChatId, text: 'Hola', user: { id: '63999999' } }))).status).to.equal(200);
    expect((await toBridge(participationBody({ messageId: '1764080000004_x', threadChatId: thread.threadChatId, text: 'bot', user: { id: 'b-2233' } }))).status).to.equal(200);
    await puente.bridge.idle();
    expect(whatsapp.sent({ to: ANA.waId })).to.have.length(0);
  });

  it('runs slash commands through the core with the same roles as Slack', async () => {
    const command = (user: typeof AGENT, name: string, args: string) =>
      toBridge({ type: 'command', command: name, arguments: args, user, chat: { id: 'CT_ventas_2243', type: 'channel', title: 'ventas' } });
    const refused = await command(AGENT, 'block', '+34 622 22 22 22 spam');
    expect(refused.status).to.equal(200);
    expect(((await refused.json()) as { text: string }).text).to.contain('SUPERVISORS');
    const done = await command(SUPERVISOR, 'block', '+34 622 22 22 22 spam');
    const reply = (await done.json()) as { text: string; visibility: string };
    expect(reply.text).to.contain('+34622222222');
    expect(reply.text).not.to.contain('SUPERVISORS');
    expect((await toBridge({ type: 'command', command: 'block', arguments: '+34 633', user: SUPERVISOR }, 'nope')).status).to.equal(401);
  });

  it("puts Block and Unblock buttons on the thread's header; a press runs the command for that conversation, with roles", async () => {
    await customerWrites('Hola');
    const root = cliq.posts[0]!;
    const buttons = root.body.buttons as { label: string; type: string; key: string; action: { type: string; data: { name: string } } }[];
    expect(buttons.map((button) => [button.key, button.label, button.type])).to.deep.equal([
      ['block', 'Bloquear', '-'],
      ['unblock', 'Desbloquear', '+'],
    ]);
    expect(buttons.every((button) => button.action.type === 'invoke.function' && button.action.data.name === 'puenteaction')).to.equal(true);
    const press = (user: typeof AGENT, key: string) =>
      toBridge({ type: 'action', arguments: { key }, message: { id: root.messageId }, user, chat: { id: 'CT_ventas_2243', type: 'channel' } });
    const refused = (await (await press(AGENT, 'block')).json()) as { text: string };
    expect(refused.text).to.contain('SUPERVISORS');
    const done = (await (await press(SUPERVISOR, 'block')).json()) as { text: string };
    expect(done.text).to.contain('+34611111111');
    expect(done.text).not.to.contain('SUPERVISORS');
    // The block holds: the customer's next message is not relayed.
    const before = cliq.posts.length;
    await customerWrites('¿Hola?');
    expect(cliq.posts.length).to.equal(before);
    const unknown = (await (await press(SUPERVISOR, 'template')).json()) as { text: string };
    expect(unknown.text).not.to.contain('+34611111111');
  });

  it('a command typed in a thread acts on that conversation', async () => {
    await customerWrites('Hola');
    const thread = cliq.threads[0]!;
    const response = await toBridge({ type: 'command', command: 'block', arguments: '', user: SUPERVISOR, chat: { id: thread.threadChatId, type: 'thread' } });
    const reply = (await response.json()) as { text: string };
    expect(reply.text).to.contain('+34611111111');
  });
});
