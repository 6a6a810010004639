/**
 * The Store contract (storage/store.ts), run against every implementation: the embedded store and
 * the PostgreSQL store must be interchangeable to the bridge. Implementation details (journal files,
 * segments, advisory locks, schema migrations) are tested beside each implementation.
 */
import { expect } from 'chai';
import type { Store } from '../../storage/store.js';
import { conversation, inboundMessage, outboxItem } from './helpers.js';
import { embeddedHarness, postgresHarness, type StoreHarness, type StoreSite } from './store-harness.js';

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
    policy: await store.getContactPolicy(),
  };
}

const ANA = '34611111111';
const LUIS = '34622222222';

for (const harness of [embeddedHarness, postgresHarness] satisfies StoreHarness[]) {
  describe(`Store contract: ${harness.name}`, function () {
    this.timeout(30_000);
    let site: StoreSite;
    let store: Store;

    before(() => harness.check());
    beforeEach(async () => {
      site = await harness.create();
      store = await site.open();
    });
    afterEach(async () => {
      await store?.close();
      await site?.destroy();
    });

    async function restart(): Promise<Store> {
      await store.close();
      store = await site.open();
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

      it('keeps the last of many concurrent saves of one conversation', async () => {
        await Promise.all(Array.from({ length: 100 }, (_, n) => store.saveConversation(conversation('c1', { lastInboundAt: n }))));
        expect((await store.getConversation('c1'))?.lastInboundAt).to.equal(99);
        await restart();
        expect((await store.getConversation('c1'))?.lastInboundAt).to.equal(99);
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

      it('lets exactly one of two concurrent inserts with one key win, the first called', async () => {
        const results = await Promise.all([store.insertMessage(inboundMessage('k')), store.insertMessage(inboundMessage('k', { excerpt: 'second' }))]);
        expect(results).to.deep.equal([true, false]);
        await restart();
        expect(await store.countMessages()).to.equal(1);
        expect((await store.getMessage('k'))?.excerpt).to.equal('hello from k');
      });

      it('lets a read see every write called before it, even one not awaited yet', async () => {
        const inserts = Array.from({ length: 50 }, (_, n) => store.insertMessage(inboundMessage(`m${n}`, { at: n })));
        const counted = store.countMessages();
        const found = store.findMessageByWamid('m49');
        expect(await counted).to.equal(50);
        expect((await found)?.key).to.equal('m49');
        await Promise.all(inserts);
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

      it('gives a wamid to the message that claimed it last', async () => {
        await store.insertMessage(inboundMessage('a', { wamids: ['wamid.shared'] }));
        await store.insertMessage(inboundMessage('b', { wamids: [] }));
        await store.updateMessage('b', { wamids: ['wamid.shared'] });
        expect((await store.findMessageByWamid('wamid.shared'))?.key).to.equal('b');
        await store.updateMessage('b', { wamids: [] });
        expect(await store.findMessageByWamid('wamid.shared')).to.equal(undefined);
      });

      it('applies a patch field by field and keeps the rest', async () => {
        await store.insertMessage(inboundMessage('m', { direction: 'out', status: 'sent' }));
        await store.updateMessage('m', { status: 'failed', error: { code: 131047, title: 'Re-engagement message' } });
        expect(await store.getMessage('m')).to.deep.equal(
          inboundMessage('m', { direction: 'out', status: 'failed', error: { code: 131047, title: 'Re-engagement message' } }),
        );
        await store.updateMessage('m', { media: { state: 'staged', staged: { id: 'F1', key: 'k1' } }, reaction: '👍' });
        await restart();
        expect(await store.getMessage('m')).to.deep.include({ media: { state: 'staged', staged: { id: 'F1', key: 'k1' } }, reaction: '👍', status: 'failed' });
      });

      it('rejects an update of an unknown message', async () => {
        let error: unknown;
        await store.updateMessage('nope', { status: 'read' }).catch((caught: unknown) => (error = caught));
        expect(String(error)).to.match(/no message with key nope/);
      });

      it('keeps any text exactly: accents, emoji, quotes, newlines, NUL, lone surrogates', async () => {
        const excerpt = 'ñandú 🦩 "quoted" \\ back\nline\ttab \u0000 nul \u2028 sep';
        await store.insertMessage(inboundMessage('t', { excerpt }));
        await restart();
        expect((await store.getMessage('t'))?.excerpt).to.equal(excerpt);
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

      it('keeps every payload kind exactly', async () => {
        const items = [
          outboxItem('t#0', { payload: { type: 'text', text: 'hola', quotedWamid: 'wamid.q' } }),
          outboxItem('r', { payload: { type: 'reaction', targetWamid: 'wamid.1', emoji: '👍🏽' } }),
          outboxItem('f#0', { payload: { type: 'file', file: { id: 'F1', name: 'a.pdf', size: 10, source: 'https://files.example/F1' }, caption: 'cap' } }),
        ];
        await store.appendOutbox(items);
        await restart();
        expect(await store.pendingOutbox()).to.deep.equal(items);
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

      it('keeps a body byte for byte and forgets it once processed', async () => {
        const body = '{"text":"ñ 🦩 \\u0000"}\u0000raw NUL, not JSON at all {';
        const item = await store.appendInbox('whatsapp', body, 1_700_000_000_123.25);
        await restart();
        expect(await store.pendingInbox()).to.deep.equal([item]);
        await store.completeInbox(item.id);
        await store.close();
        expect(await site.persistedText()).to.not.contain('raw NUL, not JSON');
        store = await site.open();
      });
    });

    describe('contact policy', () => {
      it('starts empty', async () => {
        expect(await store.getContactPolicy()).to.deep.equal({ blocked: [], optedOut: [], doNotContact: undefined, blockedReplies: {} });
      });

      it('puts, replaces and removes blocks and opt-outs, keeping them across restarts', async () => {
        await store.putBlock({ number: ANA, by: 'U1', reason: 'spam', at: 1 });
        await store.putBlock({ number: LUIS, by: 'U1', at: 2 });
        await store.putBlock({ number: ANA, by: 'U2', at: 3 });
        await store.putOptOut({ number: LUIS, at: 4, source: { keyword: 'STOP' } });
        await store.putOptOut({ number: ANA, at: 5, source: { by: 'U9' } });
        await store.noteBlockedReply('1001', ANA, 10);
        await store.noteBlockedReply('1001', ANA, 11);
        await store.noteBlockedReply('1002', LUIS, 12);
        await restart();
        expect(await store.getContactPolicy()).to.deep.equal({
          blocked: [
            { number: LUIS, by: 'U1', at: 2 },
            { number: ANA, by: 'U2', at: 3 },
          ],
          optedOut: [
            { number: LUIS, at: 4, source: { keyword: 'STOP' } },
            { number: ANA, at: 5, source: { by: 'U9' } },
          ],
          doNotContact: undefined,
          blockedReplies: { [`1001:${ANA}`]: 11, [`1002:${LUIS}`]: 12 },
        });

        expect(await store.removeBlock(ANA)).to.equal(true);
        expect(await store.removeBlock(ANA)).to.equal(false);
        expect(await store.removeOptOut(LUIS)).to.equal(true);
        expect(await store.removeOptOut(LUIS)).to.equal(false);
        const policy = await store.getContactPolicy();
        expect(policy.blocked.map((entry) => entry.number)).to.deep.equal([LUIS]);
        expect(policy.optedOut.map((entry) => entry.number)).to.deep.equal([ANA]);
        expect(policy.blockedReplies, 'unblocking forgets the auto-reply times').to.deep.equal({ [`1002:${LUIS}`]: 12 });
      });

      it('replaces the do-not-contact list whole', async () => {
        await store.replaceDoNotContact({ numbers: [ANA, LUIS], importedAt: 1, importedBy: 'U1', fileName: 'a.csv' });
        await store.replaceDoNotContact({ numbers: [LUIS, '34633333333'], importedAt: 2, importedBy: 'U2', fileName: 'b.csv' });
        await restart();
        expect((await store.getContactPolicy()).doNotContact).to.deep.equal({
          numbers: [LUIS, '34633333333'],
          importedAt: 2,
          importedBy: 'U2',
          fileName: 'b.csv',
        });
      });

      it('hands out copies', async () => {
        await store.putBlock({ number: ANA, by: 'U1', at: 1 });
        (await store.getContactPolicy()).blocked[0]!.by = 'changed';
        expect((await store.getContactPolicy()).blocked[0]!.by).to.equal('U1');
      });
    });

    describe('erasure and retention', () => {
      async function seed(): Promise<void> {
        for (const [waId, line] of [
          [ANA, '1001'],
          [ANA, '1002'],
          [LUIS, '1001'],
        ] as const) {
          const id = `${line}/wa:${waId}`;
          await store.saveConversation(conversation(id, { numberId: line, customerKey: `wa:${waId}`, customer: { waId, name: `n${waId}` } }));
          await store.insertMessage(inboundMessage(`wamid.${id}`, { conversationId: id, excerpt: `said by ${waId}`, at: 1000 }));
          await store.appendOutbox([outboxItem(`out.${id}#0`, { conversationId: id, messageKey: `out.${id}`, payload: { type: 'text', text: `to ${waId}` } })]);
          await store.insertMessage(inboundMessage(`out.${id}`, { direction: 'out', conversationId: id, wamids: [], excerpt: `to ${waId}`, at: 5000 }));
          await store.completeOutbox(`out.${id}#0`, { ok: true, wamid: `wamid.sent.${id}` });
          await store.updateMessage(`out.${id}`, { excerpt: `patched for ${waId}`, wamids: [`wamid.sent.${id}`] });
          await store.appendOutbox([outboxItem(`late.${id}#0`, { conversationId: id, messageKey: `late.${id}`, payload: { type: 'text', text: `later to ${waId}` } })]);
        }
        await store.putBlock({ number: ANA, by: 'U1', at: 1 });
        await store.noteBlockedReply('1001', ANA, 1);
        await store.putOptOut({ number: ANA, at: 1, source: { keyword: 'STOP' } });
        await store.replaceDoNotContact({ numbers: [ANA, LUIS], importedAt: 1, importedBy: 'U1', fileName: 'r.csv' });
      }

      it('erases a customer from every line and from everything kept, keeping everyone else', async () => {
        await seed();
        const report = await store.eraseCustomer(ANA);
        expect(report).to.deep.equal({ conversations: 2, messages: 4, pendingSends: 2, blocked: true, optedOut: true, doNotContact: true });
        expect(await store.getConversation(`1001/wa:${ANA}`)).to.equal(undefined);
        expect(await store.findMessageByWamid(`wamid.sent.1001/wa:${ANA}`)).to.equal(undefined);
        expect(await store.getOutboxResult(`out.1001/wa:${ANA}#0`)).to.equal(undefined);
        expect((await store.pendingOutbox()).map((item) => item.id)).to.deep.equal([`late.1001/wa:${LUIS}#0`]);
        expect(await store.getContactPolicy()).to.deep.equal({
          blocked: [],
          optedOut: [],
          doNotContact: { numbers: [LUIS], importedAt: 1, importedBy: 'U1', fileName: 'r.csv' },
          blockedReplies: {},
        });
        expect(await store.eraseCustomer(ANA)).to.deep.equal({ conversations: 0, messages: 0, pendingSends: 0, blocked: false, optedOut: false, doNotContact: false });
        await store.close();
        const text = await site.persistedText();
        expect(text).to.not.contain(ANA);
        expect(text).to.contain(LUIS);

        store = await site.open();
        expect(await store.countConversations()).to.equal(1);
        expect(await store.countMessages()).to.equal(2);
        expect((await store.getMessage(`out.1001/wa:${LUIS}`))?.excerpt).to.equal(`patched for ${LUIS}`);
        expect((await store.findMessageByWamid(`wamid.sent.1001/wa:${LUIS}`))?.key).to.equal(`out.1001/wa:${LUIS}`);
        expect(await store.getOutboxResult(`out.1001/wa:${LUIS}#0`)).to.deep.equal({ ok: true, wamid: `wamid.sent.1001/wa:${LUIS}` });
      });

      it('prunes message records older than the cutoff, and their sends, keeping conversations', async () => {
        await seed();
        expect(await store.pruneMessagesBefore(2000)).to.equal(3); // the three inbound messages (at 1000)
        expect(await store.countMessages()).to.equal(3);
        expect(await store.pruneMessagesBefore(2000)).to.equal(0);
        await restart();
        expect(await store.countMessages()).to.equal(3);
        expect(await store.getMessage(`wamid.1001/wa:${LUIS}`)).to.equal(undefined);
        expect(await store.findMessageByWamid(`wamid.1001/wa:${LUIS}`)).to.equal(undefined);
        expect(await store.countConversations()).to.equal(3);
        await store.close();
        expect(await site.persistedText()).to.not.contain(`said by ${LUIS}`);
        store = await site.open();
        expect(await store.pruneMessagesBefore(10_000)).to.equal(3);
        expect(await store.getOutboxResult(`out.1001/wa:${LUIS}#0`), 'sends of pruned messages go too').to.equal(undefined);
      });
    });

    it('restores every kind of state exactly after a restart', async () => {
      const thread = { adapter: 'slack', channel: 'C1', id: 'root' };
      await store.saveConversation(conversation('c1'));
      await store.saveConversation(conversation('c1', { thread, lastInboundAt: 5 }));
      await store.saveConversation(conversation('c2', { customerKey: 'user:US.1', customer: { userId: 'US.1', username: 'ana' } }));
      await store.insertMessage(inboundMessage('wamid.1'));
      await store.insertMessage(inboundMessage('slack:C1:2.0', { direction: 'out', wamids: [], excerpt: 'ñandú 🦩 "quoted"\nline' }));
      await store.updateMessage('slack:C1:2.0', { wamids: ['wamid.2'], status: 'delivered' });
      await store.appendOutbox([outboxItem('o1'), outboxItem('o2', { payload: { type: 'reaction', targetWamid: 'wamid.1', emoji: '👍' } })]);
      await store.completeOutbox('o1', { ok: true, wamid: 'wamid.2' });
      await store.putBlock({ number: ANA, by: 'U1', at: 1 });
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

    it('rejects use before open and after close', async () => {
      const unopened = site.unopened();
      let error: unknown;
      await Promise.resolve()
        .then(() => unopened.countMessages())
        .catch((caught: unknown) => (error = caught));
      expect(String(error)).to.match(/not open/);

      await store.close();
      error = undefined;
      await Promise.resolve()
        .then(() => store.getMessage('x'))
        .catch((caught: unknown) => (error = caught));
      expect(String(error)).to.match(/closed/);
      error = undefined;
      await Promise.resolve()
        .then(() => store.appendInbox('whatsapp', '{}', 1))
        .catch((caught: unknown) => (error = caught));
      expect(String(error)).to.match(/closed/);
      store = await site.open();
    });

    it('refuses a second store on the same data while the first is open, and lets one open after it closes', async () => {
      let refused: unknown;
      await site.open({ lockWaitMs: 100 }).catch((error: unknown) => (refused = error));
      expect(String(refused)).to.match(/in use by another Puente process/);
      await store.close();
      store = await site.open();
      expect(await store.countMessages()).to.equal(0);
    });
  });
}
