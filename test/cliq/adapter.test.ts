/**
 * The Cliq adapter against a local fake of Zoho Accounts and the Cliq REST API (fake-cliq.ts):
 * OAuth refresh, posting as the bot with a per-message sender, threads, files both ways, rate limits.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { RetryableChatError, type ChatHandlers } from '../../bot/chat-adapter.js';
import { silentLogger } from '../../bot/logger.js';
import { MediaError } from '../../bot/media-errors.js';
import { CliqAdapter } from '../../adapters/cliq/index.js';
import { CliqPacer } from '../../adapters/cliq/pacer.js';
import { postMarker } from '../../adapters/cliq/unconfirmed.js';
import type { CliqConfig } from '../../config/types.js';
import { FakeCliq } from './fake-cliq.js';

const noHandlers = {} as ChatHandlers;

describe('Cliq adapter (REST API)', () => {
  let cliq: FakeCliq;
  let dir: string;
  let clock: number;
  const now = () => clock;

  function config(): CliqConfig {
    return {
      clientId: cliq.clientId,
      clientSecret: cliq.clientSecret,
      refreshToken: cliq.refreshToken,
      dataCentre: 'eu',
      apiUrl: cliq.url,
      accountsUrl: cliq.url,
      botUniqueName: 'puentebot',
      webhookSecret: 'a-long-shared-secret-1234',
      maxFileBytes: 50 * 1024 * 1024,
      ignoreUserIds: [],
    };
  }

  async function adapter(overrides: Partial<CliqConfig> = {}, pacer = {}): Promise<CliqAdapter> {
    const created = new CliqAdapter({ config: { ...config(), ...overrides }, logger: silentLogger(), stagingDir: join(dir, 'staged'), now, pacer: { sleep: async () => undefined, ...pacer } });
    await created.start(noHandlers);
    return created;
  }

  beforeEach(async () => {
    clock = Date.parse('2026-11-25T10:00:00Z');
    cliq = new FakeCliq();
    await cliq.start();
    dir = await mkdtemp(join(tmpdir(), 'puente-cliq-'));
  });

  afterEach(async () => {
    await cliq.stop();
    await rm(dir, { recursive: true, force: true });
  });

  describe('OAuth', () => {
    it('refreshes once at start and sends Zoho-oauthtoken on every call', async () => {
      const a = await adapter();
      await a.announce('sales', { text: 'hello', key: 'k1' });
      expect(cliq.refreshes).to.equal(1);
      expect(cliq.posts[0]!.authorization).to.equal('Zoho-oauthtoken 1000.access.1');
    });

    it('refreshes shortly before expiry, not on every call', async () => {
      const a = await adapter();
      clock += 50 * 60_000; // 50 of 60 minutes: still valid
      await a.announce('sales', { text: 'one', key: 'k1' });
      expect(cliq.refreshes).to.equal(1);
      clock += 6 * 60_000; // within 5 minutes of expiry
      await a.announce('sales', { text: 'two', key: 'k2' });
      expect(cliq.refreshes).to.equal(2);
      expect(cliq.posts[1]!.authorization).to.equal('Zoho-oauthtoken 1000.access.2');
    });

    it('refreshes and retries once when Cliq answers 401', async () => {
      const a = await adapter();
      cliq.revokeTokens();
      await a.announce('sales', { text: 'after revocation', key: 'k1' });
      expect(cliq.refreshes).to.equal(2);
      expect(cliq.posts).to.have.length(1);
    });

    it('refreshes single-flight when many calls need a token at once', async () => {
      const a = await adapter();
      cliq.revokeTokens();
      clock += 59 * 60_000;
      await Promise.all([1, 2, 3, 4, 5].map((n) => a.announce('sales', { text: `m${n}`, key: `k${n}` })));
      expect(cliq.refreshes).to.equal(2);
    });

    it('fails start on a refused refresh token, without putting any secret in the error', async () => {
      const a = new CliqAdapter({ config: { ...config(), refreshToken: '1000.wrong.refresh' }, logger: silentLogger(), stagingDir: dir });
      const error = await a.start(noHandlers).then(() => undefined, (e: unknown) => e as Error);
      expect(error).to.be.instanceOf(Error);
      expect(error!.message).to.contain('invalid_code');
      expect(error!.message).not.to.contain('1000.wrong.refresh');
      expect(error!.message).not.to.contain(cliq.clientSecret);
    });
  });

  describe('posting and threads', () => {
    it('opens a thread: header in the channel as the bot, then a thread created from it', async () => {
      const a = await adapter();
      const thread = await a.openThread('sales', {
        customerName: 'Ana García',
        customerNumber: '+34611111111',
        lineName: 'Ventas',
        returning: false,
        text: '*Ana García* (+34611111111) wrote to *Ventas*. New contact.\nReply in this thread to answer on WhatsApp.',
        key: 'thread:c1',
      });
      expect(cliq.posts).to.have.length(2);
      const [root, opening] = cliq.posts;
      expect(root!.query).to.deep.equal({ bot_unique_name: 'puentebot' });
      expect(root!.body).to.deep.equal({ text: `*Ana García* (+34611111111) wrote to *Ventas*. New contact.${postMarker('thread:c1')}`, sync_message: true });
      expect(root!.text).to.equal('*Ana García* (+34611111111) wrote to *Ventas*. New contact.');
      expect(thread).to.deep.equal({ adapter: 'cliq', channel: 'sales', id: root!.messageId });
      expect(opening!.body).to.include({ thread_message_id: root!.messageId, post_in_parent: false, text: 'Reply in this thread to answer on WhatsApp.' });
      expect(opening!.body.thread_title).to.equal('Ana García (+34611111111) · Ventas');
      expect(cliq.threadOf(root!.messageId)).to.not.equal(undefined);
    });

    it('a retried openThread reuses the root it already posted', async () => {
      const a = await adapter();
      const header = { lineName: 'Ventas', returning: false, text: 'Head\nHint', key: 'thread:c2' };
      // The thread creation is throttled after the root went out.
      const first = a.openThread('sales', header);
      await new Promise((resolve) => setImmediate(resolve));
      cliq.throttleNext(1);
      const error = await first.then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(RetryableChatError);
      clock += 11 * 60_000; // past the lock
      const thread = await a.openThread('sales', header);
      const roots = cliq.posts.filter((post) => post.body.thread_message_id === undefined);
      expect(roots).to.have.length(1);
      expect(thread.id).to.equal(roots[0]!.messageId);
    });

    it('posts a customer message into the thread under the customer name and picture', async () => {
      const a = await adapter();
      const ref = await a.post(
        { adapter: 'cliq', channel: 'sales', id: '1700000000001_sales' },
        { text: 'Hola, *urgente*', sender: { name: 'Ana García', iconUrl: 'https://cdn.example.com/ana.png' }, quote: { author: 'Lucía', text: 'Buenos días' }, key: 'wamid.1' },
      );
      const post = cliq.posts[0]!;
      expect(post.query.bot_unique_name).to.equal('puentebot');
      expect(post.body).to.deep.equal({
        text: `> *Lucía*: Buenos días\nHola, *urgente*${postMarker('wamid.1')}`,
        thread_message_id: '1700000000001_sales',
        post_in_parent: false,
        bot: { name: 'Ana García', image: 'https://cdn.example.com/ana.png' },
        sync_message: true,
      });
      expect(ref).to.deep.equal({ adapter: 'cliq', channel: 'sales', id: post.messageId, threadId: '1700000000001_sales' });
    });

    it("keeps a post with its marker within Cliq's 5,000 characters", async () => {
      const a = await adapter();
      await a.post({ adapter: 'cliq', channel: 'sales', id: 'p1' }, { text: 'x'.repeat(4500), quote: { author: 'Ana', text: 'y'.repeat(800) }, key: 'in:long' });
      const text = String(cliq.posts[0]!.body.text);
      expect(text.length).to.equal(5000);
      expect(text.endsWith(postMarker('in:long'))).to.equal(true);
    });

    it('leaves out a sender image that is not public HTTPS', async () => {
      const a = await adapter();
      await a.post({ adapter: 'cliq', channel: 'sales', id: 'p1' }, { text: 'x', sender: { name: 'Ana', iconUrl: 'http://internal/ana.png' }, key: 'k' });
      expect(cliq.posts[0]!.body.bot).to.deep.equal({ name: 'Ana' });
    });

    it('notices go into the thread with their marker', async () => {
      const a = await adapter();
      await a.notify({ adapter: 'cliq', channel: 'sales', id: 'p1' }, { kind: 'warning', text: 'Not sent' });
      expect(cliq.posts[0]!.body).to.include({ text: '⚠️ Not sent', thread_message_id: 'p1' });
      expect(cliq.botMessages).to.have.length(0);
    });

    it('declares capabilities the core reads instead of asking which tool this is', async () => {
      const a = await adapter();
      expect(a.capabilities).to.deep.equal({ customSender: true, reactions: false, ephemeral: false, maxTextLength: 4500, maxFileBytes: 50 * 1024 * 1024, fileCustomSender: false });
    });
  });

  describe('looking back after a crash (findPosted)', () => {
    const header = { customerName: 'Ana', customerNumber: '+34611111111', lineName: 'Ventas', returning: false, text: 'Ana wrote\nReply here', key: 'thread:conv-1:cliq:sales' };

    it('finds a post in its thread by the invisible key marker, with a fresh adapter (nothing in memory)', async () => {
      const before = await adapter();
      const thread = await before.openThread('sales', header);
      const posted = await before.post(thread, { text: 'Hola', sender: { name: 'Ana' }, key: 'in:wamid.A' });
      await before.post(thread, { text: 'Hola', sender: { name: 'Ana' }, key: 'in:wamid.B' }); // same text, other key
      const after = await adapter(); // the process restarted
      const found = await after.findPosted('sales', thread, 'in:wamid.A');
      expect(found).to.deep.equal({ adapter: 'cliq', channel: 'sales', id: posted.id, threadId: thread.id });
      expect(await after.findPosted('sales', thread, 'in:wamid.C')).to.equal(undefined);
      const reads = cliq.requests.filter((request) => request.method === 'GET' && request.path.startsWith('/api/v2/chats/'));
      expect(reads.every((request) => request.path === `/api/v2/chats/${cliq.threadOf(thread.id)!.threadChatId}/messages`)).to.equal(true);
    });

    it('finds a thread root among the channel messages, so a recovered conversation opens no second thread', async () => {
      const before = await adapter();
      const thread = await before.openThread('sales', header);
      const after = await adapter();
      expect(await after.findPosted('sales', undefined, header.key)).to.deep.equal({ adapter: 'cliq', channel: 'sales', id: thread.id });
      expect(await after.findPosted('sales', undefined, 'thread:conv-2:cliq:sales')).to.equal(undefined);
    });

    it('finds a shared file by its staged key, asking each thread for its parent when the listing omits it', async () => {
      const before = await adapter();
      const thread = await before.openThread('sales', header);
      const path = join(dir, 'photo');
      await writeFile(path, Buffer.from([0xff, 0xd8, 0xff]));
      const staged = await before.stageFile({ path, name: 'photo.jpg', size: 3, mimeType: 'image/jpeg' });
      const shared = await before.shareFile(thread, staged, { text: '*Ana*: foto' });
      cliq.threadListWithoutParents = true;
      const after = await adapter();
      expect(await after.findPosted('sales', thread, staged.key)).to.deep.equal(shared);
      expect(cliq.requests.some((request) => request.path === `/api/v3/threads/${cliq.threadOf(thread.id)!.threadChatId}`)).to.equal(true);
    });

    it('a thread Cliq does not list cannot be looked back in: undefined, and the core posts again', async () => {
      const a = await adapter();
      expect(await a.findPosted('sales', { adapter: 'cliq', channel: 'sales', id: 'no-such-parent' }, 'in:wamid.X')).to.equal(undefined);
    });

    it('reads history under its own, lower limit (15 a minute on Cliq): a long wait goes back to the core', async () => {
      const a = await adapter({}, { limits: { history: 1 }, maxQueueMs: 1_000 });
      await a.findPosted('sales', undefined, 'k1');
      const error = await a.findPosted('sales', undefined, 'k2').then(() => undefined, (e: unknown) => e as RetryableChatError);
      expect(error).to.be.instanceOf(RetryableChatError);
      await a.announce('sales', { text: 'posts are not held back by reads', key: 'k3' });
    });
  });

  describe('delivery state and private notices', () => {
    it("reacts on the agent's message in its thread even after a restart, replacing the previous state", async () => {
      const before = await adapter();
      const thread = await before.openThread('sales', { lineName: 'Ventas', returning: false, text: 'A\nB', key: 't1' });
      const threadChat = cliq.threadOf(thread.id)!.threadChatId;
      const agentMessage = cliq.addMessage(threadChat, { text: 'Hola Ana' });
      const ref = { adapter: 'cliq', channel: 'sales', id: agentMessage.id, threadId: thread.id };
      const after = await adapter();
      await after.showStatus(ref, 'sent');
      await after.showStatus(ref, 'delivered', 'sent');
      expect(cliq.reactionsOn(agentMessage.id)).to.deep.equal(['✅']);
      expect(cliq.reactions.map((reaction) => reaction.chatId)).to.deep.equal([threadChat, threadChat, threadChat]);
      await after.showStatus(ref, 'failed', 'delivered');
      expect(cliq.reactionsOn(agentMessage.id)).to.deep.equal(['❌']);
    });

    it('a notice for one agent is a direct message from the bot, and goes to the thread if Cliq refuses it', async () => {
      const a = await adapter();
      const thread = { adapter: 'cliq', channel: 'sales', id: 'p1' };
      await a.notify(thread, { kind: 'warning', text: 'Edits are not relayed', onlyTo: '63000002' });
      expect(cliq.botMessages).to.deep.equal([{ bot: 'puentebot', body: { text: '⚠️ Edits are not relayed', user_ids: '63000002' } }]);
      expect(cliq.posts).to.have.length(0);
      cliq.refuseBotMessages = true;
      await a.notify(thread, { kind: 'info', text: 'Only for you', onlyTo: '63000002' });
      expect(cliq.posts.map((post) => [post.text, post.body.thread_message_id])).to.deep.equal([['ℹ️ Only for you', 'p1']]);
    });
  });

  describe('files shared in a channel (/dnc import)', () => {
    it('downloads the newest CSV among the channel messages', async () => {
      const a = await adapter();
      const chat = cliq.channelChatId('sales');
      cliq.addMessage(chat, { file: { name: 'old.csv', type: 'text/csv', data: Buffer.from('+34600000001\n') }, time: 1 });
      cliq.addMessage(chat, { file: { name: 'Bajas.CSV', type: 'text/csv', data: Buffer.from('+34600000002\n') }, time: 2 });
      cliq.addMessage(chat, { file: { name: 'photo.jpg', type: 'image/jpeg', data: Buffer.from([0xff, 0xd8]) }, time: 3 });
      cliq.addMessage(chat, { text: 'here is the list', time: 4 });
      const file = await a.latestSharedFile('sales', ['.csv'], 1024);
      expect(file!.name).to.equal('Bajas.CSV');
      expect(file!.data.toString()).to.equal('+34600000002\n');
    });

    it('refuses a file over the limit and answers undefined when there is none', async () => {
      const a = await adapter();
      expect(await a.latestSharedFile('sales', ['.csv'], 1024)).to.equal(undefined);
      cliq.addMessage(cliq.channelChatId('sales'), { file: { name: 'big.csv', type: 'text/csv', data: Buffer.alloc(2048, 0x31) } });
      const error = await a.latestSharedFile('sales', ['.csv'], 1024).then(() => undefined, (e: unknown) => e as Error);
      expect(error!.message).to.contain('larger than 1024 bytes');
    });
  });

  describe('files', () => {
    it('stages a file locally and posts it into the thread as multipart, then forgets it', async () => {
      const a = await adapter();
      const path = join(dir, 'spool-file');
      const bytes = Buffer.from('%PDF-1.4 fake pdf bytes');
      await writeFile(path, bytes);
      const staged = await a.stageFile({ path, name: 'factura.pdf', size: bytes.length, mimeType: 'application/pdf' });
      expect(staged.key).to.equal(`cliq-file:${staged.id}`);
      await rm(path); // the core releases its spool copy right after staging
      expect(cliq.posts).to.have.length(0);
      const ref = await a.shareFile({ adapter: 'cliq', channel: 'sales', id: 'p1' }, staged, { text: '*Ana*: la factura' });
      const post = cliq.posts[0]!;
      expect(post.query.bot_unique_name).to.equal('puentebot');
      expect(post.text).to.equal('*Ana*: la factura');
      expect(post.marker).to.equal(postMarker(staged.key));
      expect(post.body).to.include({ thread_message_id: 'p1', sync_message: 'true' });
      expect(post.file).to.deep.include({ name: 'factura.pdf', field: 'attachments' });
      expect(post.file!.data.equals(bytes)).to.equal(true);
      expect(ref).to.deep.equal({ adapter: 'cliq', channel: 'sales', id: post.messageId, threadId: 'p1' });
      expect(await readdir(join(dir, 'staged'))).to.deep.equal([]);
      const again = await a.shareFile({ adapter: 'cliq', channel: 'sales', id: 'p1' }, staged, { text: 'x' }).then(() => undefined, (e: unknown) => e);
      expect(again).to.be.instanceOf(Error);
    });

    it('downloads an agent file by id as a stream, with its size', async () => {
      const a = await adapter();
      cliq.files.set('f123', { name: 'photo.jpg', type: 'image/jpeg', data: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]) });
      const download = await a.openFile({ id: 'f123', name: 'photo.jpg' });
      const chunks: Buffer[] = [];
      for await (const chunk of download.body) chunks.push(chunk as Buffer);
      expect(download.size).to.equal(7);
      expect(Buffer.concat(chunks).length).to.equal(7);
    });

    it('a missing file is gone; a throttled download is worth retrying', async () => {
      const a = await adapter();
      const missing = await a.openFile({ id: 'nope', name: 'x' }).then(() => undefined, (e: unknown) => e as MediaError);
      expect(missing).to.be.instanceOf(MediaError);
      expect(missing!.problem.reason).to.equal('gone');
      cliq.throttleNext(1);
      const throttled = await a.openFile({ id: 'nope', name: 'x' }).then(() => undefined, (e: unknown) => e as MediaError);
      expect(throttled!.retryable).to.equal(true);
    });
  });

  describe('rate limits', () => {
    it('paces posts under the per-minute threshold instead of dropping them', async () => {
      const waits: number[] = [];
      const a = await adapter({}, { limits: { message: 3 }, maxQueueMs: 120_000, sleep: async (ms: number) => void waits.push(ms) });
      for (let n = 0; n < 5; n++) await a.announce('sales', { text: `m${n}`, key: `k${n}` });
      expect(cliq.posts).to.have.length(5);
      expect(waits).to.deep.equal([60_000, 60_000]);
    });

    it('hands a long wait to the core as RetryableChatError with retryAfterMs', async () => {
      const pacer = new CliqPacer({ limits: { thread: 2 }, maxQueueMs: 1_000, now, sleep: async () => undefined });
      await pacer.acquire(['thread']);
      await pacer.acquire(['thread']);
      const error = await pacer.acquire(['thread']).then(() => undefined, (e: unknown) => e as RetryableChatError);
      expect(error).to.be.instanceOf(RetryableChatError);
      expect(error!.retryAfterMs).to.equal(60_000);
      clock += 60_001;
      await pacer.acquire(['thread']);
    });

    it('holds back calls already waiting for a slot when a lockout is announced', async () => {
      let release!: () => void;
      const pacer = new CliqPacer({ limits: { message: 1 }, maxQueueMs: 120_000, now, sleep: () => new Promise<void>((resolve) => (release = resolve)) });
      await pacer.acquire(['message']);
      const waiting = pacer.acquire(['message']).then(() => undefined, (e: unknown) => e as RetryableChatError);
      pacer.lockout(600_000);
      clock += 60_000;
      release();
      expect((await waiting)!.retryAfterMs).to.equal(540_000);
    });

    it('counts thread creation against the stricter thread limit', async () => {
      const a = await adapter({}, { limits: { thread: 1 }, maxQueueMs: 1_000 });
      await a.openThread('sales', { lineName: 'Ventas', returning: false, text: 'A\nB', key: 't1' });
      const error = await a.openThread('sales', { lineName: 'Ventas', returning: false, text: 'C\nD', key: 't2' }).then(() => undefined, (e: unknown) => e as RetryableChatError);
      expect(error).to.be.instanceOf(RetryableChatError);
      // The root went out; the thread waits for its slot, and the retry reuses the root.
      clock += 60_001;
      await a.openThread('sales', { lineName: 'Ventas', returning: false, text: 'C\nD', key: 't2' });
      expect(cliq.threads).to.have.length(2);
      expect(cliq.posts.filter((post) => post.body.thread_message_id === undefined)).to.have.length(2);
    });

    for (const status of [429, 400] as const) {
      it(`survives a lockout (HTTP ${status}) and drains the queue afterwards`, async () => {
        const a = await adapter();
        cliq.throttleNext(1, { status, ...(status === 429 ? { retryAfter: 120 } : {}) });
        const thread = { adapter: 'cliq', channel: 'sales', id: 'p1' };
        const lockMs = status === 429 ? 120_000 : 600_000;
        const first = await a.post(thread, { text: 'one', key: 'k1' }).then(() => undefined, (e: unknown) => e as RetryableChatError);
        expect(first).to.be.instanceOf(RetryableChatError);
        expect(first!.retryAfterMs).to.equal(lockMs);
        const requestsBefore = cliq.requests.length;
        // During the lock nothing reaches Cliq (another call would extend the lock).
        clock += 30_000;
        const during = await a.post(thread, { text: 'two', key: 'k2' }).then(() => undefined, (e: unknown) => e as RetryableChatError);
        expect(during!.retryAfterMs).to.equal(lockMs - 30_000);
        expect(cliq.requests.length).to.equal(requestsBefore);
        // After it, the core's retries deliver everything, in order.
        clock += lockMs;
        await a.post(thread, { text: 'one', key: 'k1' });
        await a.post(thread, { text: 'two', key: 'k2' });
        expect(cliq.posts.map((post) => post.text)).to.deep.equal(['one', 'two']);
      });
    }
  });
});
