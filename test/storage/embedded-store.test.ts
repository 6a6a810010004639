import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { EmbeddedStore } from '../../storage/embedded/embedded-store.js';
import { segmentPath } from '../../storage/embedded/journal.js';
import type { MainRecord } from '../../storage/embedded/records.js';
import type { Store } from '../../storage/store.js';
import { conversation, inboundMessage, makeTempDir, openStore, outboxItem, removeDir } from './helpers.js';

/** Everything a Store exposes through reads, to compare a store before and after a restart. */
async function snapshot(store: Store, keys: { conversations: string[]; messages: string[]; outbox: string[] }) {
  return {
    conversations: await Promise.all(keys.conversations.map((id) => store.getConversation(id))),
    conversationCount: await store.countConversations(),
    messages: await Promise.all(keys.messages.map((key) => store.getMessage(key))),
    messageCount: await store.countMessages(),
    outboxPending: await store.pendingOutbox(),
    outboxResults: await Promise.all(keys.outbox.map((id) => store.getOutboxResult(id))),
    inboxPending: await store.pendingInbox(),
  };
}

describe('EmbeddedStore', () => {
  let dir: string;
  let store: EmbeddedStore;

  beforeEach(async () => {
    dir = await makeTempDir();
    store = await openStore(dir);
  });
  afterEach(async () => {
    await store.close();
    await removeDir(dir);
  });

  async function restart(): Promise<EmbeddedStore> {
    await store.close();
    store = await openStore(dir);
    return store;
  }

  describe('conversations', () => {
    it('saves, gets and counts, the last save winning', async () => {
      expect(await store.getConversation('c1')).to.equal(undefined);
      await store.saveConversation(conversation('c1'));
      await store.saveConversation(conversation('c2'));
      await store.saveConversation(conversation('c1', { lastInboundAt: 42 }));
      expect(await store.getConversation('c1')).to.deep.equal(conversation('c1', { lastInboundAt: 42 }));
      expect(await store.countConversations()).to.equal(2);
    });

    it('finds a conversation by its thread, and forgets the old thread when it moves', async () => {
      const thread = { adapter: 'slack', channel: 'C1', id: '1712.0001' };
      await store.saveConversation(conversation('c1', { thread }));
      expect(await store.findConversationByThread('slack', 'C1', '1712.0001')).to.deep.equal(conversation('c1', { thread }));
      expect(await store.findConversationByThread('slack', 'C2', '1712.0001')).to.equal(undefined);

      await store.saveConversation(conversation('c1', { thread: { ...thread, id: '1712.0002' } }));
      expect(await store.findConversationByThread('slack', 'C1', '1712.0001')).to.equal(undefined);
      expect((await store.findConversationByThread('slack', 'C1', '1712.0002'))?.id).to.equal('c1');
    });

    it('keeps channel ids that contain colons apart', async () => {
      await store.saveConversation(conversation('a', { thread: { adapter: 'teams', channel: '19:x', id: 'y' } }));
      await store.saveConversation(conversation('b', { thread: { adapter: 'teams', channel: '19', id: 'x:y' } }));
      expect((await store.findConversationByThread('teams', '19:x', 'y'))?.id).to.equal('a');
      expect((await store.findConversationByThread('teams', '19', 'x:y'))?.id).to.equal('b');
    });

    it('hands out copies, so callers cannot change stored state by mutating them', async () => {
      const original = conversation('c1');
      await store.saveConversation(original);
      original.customer.name = 'changed after save';
      const read = await store.getConversation('c1');
      read!.customer.name = 'changed after read';
      expect((await store.getConversation('c1'))?.customer.name).to.equal('Customer c1');
    });
  });

  describe('messages', () => {
    it('inserts, gets and counts; a duplicate key resolves false and changes nothing', async () => {
      expect(await store.insertMessage(inboundMessage('wamid.1'))).to.equal(true);
      expect(await store.insertMessage(inboundMessage('wamid.1', { excerpt: 'other' }))).to.equal(false);
      expect(await store.getMessage('wamid.1')).to.deep.equal(inboundMessage('wamid.1'));
      expect(await store.getMessage('wamid.2')).to.equal(undefined);
      expect(await store.countMessages()).to.equal(1);
    });

    it('lets exactly one of two concurrent inserts with one key win', async () => {
      const results = await Promise.all([store.insertMessage(inboundMessage('k')), store.insertMessage(inboundMessage('k'))]);
      expect(results).to.deep.equal([true, false]);
      await restart();
      expect(await store.countMessages()).to.equal(1);
    });

    it('finds by any wamid and by chat ref, following updates', async () => {
      const out = inboundMessage('slack:C1:1.0', {
        direction: 'out',
        wamids: [],
        chat: { adapter: 'slack', channel: 'C1', id: '1.0' },
      });
      await store.insertMessage(out);
      expect(await store.findMessageByChatRef({ adapter: 'slack', channel: 'C1', id: '1.0' })).to.deep.equal(out);
      expect(await store.findMessageByChatRef({ adapter: 'slack', channel: 'C1', id: '1.1' })).to.equal(undefined);

      await store.updateMessage(out.key, { wamids: ['wamid.a'] });
      await store.updateMessage(out.key, { wamids: ['wamid.a', 'wamid.b'], status: 'sent' });
      expect((await store.findMessageByWamid('wamid.a'))?.key).to.equal(out.key);
      expect((await store.findMessageByWamid('wamid.b'))?.status).to.equal('sent');
      expect(await store.findMessageByWamid('wamid.c')).to.equal(undefined);

      await store.updateMessage(out.key, { wamids: ['wamid.b'], chat: { adapter: 'slack', channel: 'C1', id: '2.0' } });
      expect(await store.findMessageByWamid('wamid.a')).to.equal(undefined);
      expect(await store.findMessageByChatRef({ adapter: 'slack', channel: 'C1', id: '1.0' })).to.equal(undefined);
      expect((await store.findMessageByChatRef({ adapter: 'slack', channel: 'C1', id: '2.0' }))?.key).to.equal(out.key);
    });

    it('applies a patch field by field and keeps the rest', async () => {
      await store.insertMessage(inboundMessage('m', { direction: 'out', status: 'sent' }));
      await store.updateMessage('m', { status: 'failed', error: { code: 131047, title: 'Re-engagement message' } });
      expect(await store.getMessage('m')).to.deep.equal(
        inboundMessage('m', { direction: 'out', status: 'failed', error: { code: 131047, title: 'Re-engagement message' } }),
      );
    });

    it('rejects an update of an unknown message', async () => {
      let error: unknown;
      await store.updateMessage('nope', { status: 'read' }).catch((caught: unknown) => (error = caught));
      expect(String(error)).to.match(/no message with key nope/);
    });
  });

  describe('outbox', () => {
    it('appends in order, skips known ids, completes and reports results', async () => {
      await store.appendOutbox([outboxItem('o1'), outboxItem('o2')]);
      await store.appendOutbox([outboxItem('o2', { createdAt: 1 }), outboxItem('o3'), outboxItem('o3', { createdAt: 2 })]);
      expect((await store.pendingOutbox()).map((item) => item.id)).to.deep.equal(['o1', 'o2', 'o3']);
      expect((await store.pendingOutbox())[1]).to.deep.equal(outboxItem('o2'));

      await store.completeOutbox('o2', { ok: true, wamid: 'wamid.o2' });
      await store.completeOutbox('o3', { ok: false, error: { code: 131026, title: 'Message undeliverable' } });
      expect((await store.pendingOutbox()).map((item) => item.id)).to.deep.equal(['o1']);
      expect(await store.getOutboxResult('o2')).to.deep.equal({ ok: true, wamid: 'wamid.o2' });
      expect(await store.getOutboxResult('o3')).to.deep.equal({ ok: false, error: { code: 131026, title: 'Message undeliverable' } });
      expect(await store.getOutboxResult('o1')).to.equal(undefined);

      // A completed send is never revived by appending it again.
      await store.appendOutbox([outboxItem('o2')]);
      expect((await store.pendingOutbox()).map((item) => item.id)).to.deep.equal(['o1']);
    });

    it('records a result for an id it never saw (a status webhook proves the send)', async () => {
      await store.completeOutbox('foreign', { ok: true, wamid: 'wamid.f' });
      expect(await store.getOutboxResult('foreign')).to.deep.equal({ ok: true, wamid: 'wamid.f' });
      await store.appendOutbox([outboxItem('foreign')]);
      expect(await store.pendingOutbox()).to.deep.equal([]);
    });
  });

  describe('inbox', () => {
    it('appends, lists pending in arrival order, completes; completing twice is harmless', async () => {
      const first = await store.appendInbox('whatsapp', '{"n":1}', 1);
      const second = await store.appendInbox('whatsapp', '{"n":2}', 2);
      expect(first).to.deep.include({ source: 'whatsapp', body: '{"n":1}', receivedAt: 1 });
      expect(first.id).to.not.equal(second.id);
      expect(await store.pendingInbox()).to.deep.equal([first, second]);

      await store.completeInbox(first.id);
      await store.completeInbox(first.id);
      await store.completeInbox('never-existed');
      expect(await store.pendingInbox()).to.deep.equal([second]);
    });
  });

  it('restores every kind of state exactly after a restart', async () => {
    const thread = { adapter: 'slack', channel: 'C1', id: 'root' };
    await store.saveConversation(conversation('c1'));
    await store.saveConversation(conversation('c1', { thread, lastInboundAt: 5 }));
    await store.saveConversation(conversation('c2', { customer: { userId: 'US.1', username: 'ana' } }));
    await store.insertMessage(inboundMessage('wamid.1'));
    await store.insertMessage(inboundMessage('slack:C1:2.0', { direction: 'out', wamids: [], excerpt: 'ñandú 🦩 "quoted"\nline' }));
    await store.updateMessage('slack:C1:2.0', { wamids: ['wamid.2'], status: 'delivered' });
    await store.appendOutbox([outboxItem('o1'), outboxItem('o2', { payload: { type: 'reaction', targetWamid: 'wamid.1', emoji: '👍' } })]);
    await store.completeOutbox('o1', { ok: true, wamid: 'wamid.2' });
    const kept = await store.appendInbox('whatsapp', '{"entry":[]}', 10);
    const done = await store.appendInbox('whatsapp', '{"entry":[1]}', 11);
    await store.completeInbox(done.id);

    const keys = { conversations: ['c1', 'c2', 'c3'], messages: ['wamid.1', 'slack:C1:2.0', 'x'], outbox: ['o1', 'o2'] };
    const before = await snapshot(store, keys);
    await restart();
    const after = await snapshot(store, keys);

    expect(after).to.deep.equal(before);
    expect(after.inboxPending).to.deep.equal([kept]);
    expect((await store.findConversationByThread('slack', 'C1', 'root'))?.id).to.equal('c1');
    expect((await store.findMessageByWamid('wamid.2'))?.key).to.equal('slack:C1:2.0');
    expect((await store.findMessageByChatRef({ adapter: 'slack', channel: 'C1', id: 'ts-wamid.1' }))?.key).to.equal('wamid.1');
  });

  it('journals concurrent writes in call order', async () => {
    const saves = Array.from({ length: 300 }, (_, n) => store.saveConversation(conversation('c1', { lastInboundAt: n })));
    const inserts = Array.from({ length: 300 }, (_, n) => store.insertMessage(inboundMessage(`m${n}`, { at: n })));
    await Promise.all([...saves, ...inserts]);

    const lines = (await readFile(segmentPath(path.join(dir, 'journal'), 1), 'utf8')).trim().split('\n');
    const records = lines.map((line) => JSON.parse(line) as MainRecord);
    const saved = records.flatMap((record) => (record.t === 'conversation' ? [record.conversation.lastInboundAt] : []));
    const inserted = records.flatMap((record) => (record.t === 'message' ? [record.message.at] : []));
    expect(saved).to.deep.equal([...Array(300).keys()]);
    expect(inserted).to.deep.equal([...Array(300).keys()]);

    await restart();
    expect((await store.getConversation('c1'))?.lastInboundAt).to.equal(299);
    expect(await store.countMessages()).to.equal(300);
  });

  it('rejects use before open and after close', async () => {
    const unopened = new EmbeddedStore({ dataDir: dir });
    let error: unknown;
    await unopened.countMessages().catch((caught: unknown) => (error = caught));
    expect(String(error)).to.match(/not open/);

    await store.close();
    await store.getMessage('x').catch((caught: unknown) => (error = caught));
    expect(String(error)).to.match(/closed/);
    await store.appendInbox('whatsapp', '{}', 1).catch((caught: unknown) => (error = caught));
    expect(String(error)).to.match(/closed/);
    store = await openStore(dir);
  });
});

describe('EmbeddedStore data directory lock', () => {
  it('refuses a second store on the same DATA_DIR and takes over a lock whose owner died', async () => {
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { EmbeddedStore } = await import('../../storage/embedded/embedded-store.js');
    const { DataDirInUseError } = await import('../../storage/embedded/dir-lock.js');
    const dir = await mkdtemp(join(tmpdir(), 'puente-lock-'));
    try {
      const first = new EmbeddedStore({ dataDir: dir });
      await first.open();
      const second = new EmbeddedStore({ dataDir: dir });
      let refused: unknown;
      await second.open().catch((error: unknown) => (refused = error));
      expect(refused).to.be.instanceOf(DataDirInUseError);
      await first.close();
      // A lock file left by a process that no longer exists (pid far above the kernel's maximum).
      await writeFile(join(dir, 'puente.lock'), '999999999');
      const third = new EmbeddedStore({ dataDir: dir });
      await third.open();
      await third.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
