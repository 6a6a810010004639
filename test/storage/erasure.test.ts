/**
 * Erasure and retention in the embedded store: records leave memory and every file, a purge a crash
 * interrupted is finished at the next open with the same selection, and a half-written segment
 * rewrite is thrown away.
 */
import { expect } from 'chai';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PENDING_PURGE_KEY } from '../../storage/embedded/purge.js';
import { conversation, inboundMessage, makeTempDir, openStore, outboxItem, removeDir } from './helpers.js';

const ANA = '34611111111';
const LUIS = '34622222222';

async function filesText(dir: string): Promise<string> {
  const texts: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) texts.push(await readFile(path.join(entry.parentPath, entry.name), 'utf8'));
  }
  return texts.join('\n');
}

describe('EmbeddedStore erasure and retention', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(() => removeDir(dir));

  async function seed() {
    const store = await openStore(dir, { segmentBytes: 600 }); // small segments: the purge rewrites several
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
      await store.updateMessage(`out.${id}`, { excerpt: `patched for ${waId}` });
    }
    await store.putBlock({ number: ANA, by: 'U1', at: 1 });
    await store.putOptOut({ number: ANA, at: 1, source: { keyword: 'STOP' } });
    await store.replaceDoNotContact({ numbers: [ANA, LUIS], importedAt: 1, importedBy: 'U1', fileName: 'r.csv' });
    return store;
  }

  it('erases a customer from memory and every file, keeping everyone else', async () => {
    const store = await seed();
    const report = await store.eraseCustomer(ANA);
    expect(report).to.deep.equal({ conversations: 2, messages: 4, pendingSends: 0, blocked: true, optedOut: true, doNotContact: true });
    expect(await store.getConversation(`1001/wa:${ANA}`)).to.equal(undefined);
    expect(await store.findMessageByWamid(`wamid.sent.1001/wa:${ANA}`)).to.equal(undefined);
    expect(await store.getOutboxResult(`out.1001/wa:${ANA}#0`)).to.equal(undefined);
    expect((await store.getContactPolicy()).doNotContact?.numbers).to.deep.equal([LUIS]);
    await store.close();
    const text = await filesText(dir);
    expect(text).to.not.contain(ANA);
    expect(text).to.contain(LUIS);

    const reopened = await openStore(dir);
    expect(await reopened.countConversations()).to.equal(1);
    expect(await reopened.countMessages()).to.equal(2);
    expect((await reopened.getMessage(`out.1001/wa:${LUIS}`))?.excerpt).to.equal(`patched for ${LUIS}`);
    expect(await reopened.getOutboxResult(`out.1001/wa:${LUIS}#0`)).to.deep.equal({ ok: true, wamid: `wamid.sent.1001/wa:${LUIS}` });
    await reopened.close();
  });

  it('finishes a purge a crash interrupted, and drops a half-written segment rewrite', async () => {
    const store = await seed();
    // As if the process died right after recording the purge in state.json, before any rewrite.
    await store.setState(PENDING_PURGE_KEY, {
      conversations: [`1001/wa:${ANA}`, `1002/wa:${ANA}`],
      messages: [`wamid.1001/wa:${ANA}`, `out.1001/wa:${ANA}`, `wamid.1002/wa:${ANA}`, `out.1002/wa:${ANA}`],
      outbox: [],
    });
    await store.close();
    const journal = path.join(dir, 'journal');
    const [first] = (await readdir(journal)).sort();
    await writeFile(path.join(journal, `${first}.rewrite`), `{"t":"conversation","conversation":{"id":"${ANA}"}}\n`);

    const reopened = await openStore(dir);
    expect(await reopened.getConversation(`1001/wa:${ANA}`)).to.equal(undefined);
    expect(reopened.getState(PENDING_PURGE_KEY)).to.equal(undefined);
    expect(await reopened.countConversations()).to.equal(1);
    await reopened.close();
    expect((await readdir(journal)).some((name) => name.endsWith('.rewrite'))).to.equal(false);
    const text = await filesText(journal);
    expect(text).to.not.contain(`wa:${ANA}`);
  });

  it('prunes message records older than the cutoff, and their sends', async () => {
    const store = await seed();
    expect(await store.pruneMessagesBefore(2000)).to.equal(3); // the three inbound messages (at 1000)
    expect(await store.countMessages()).to.equal(3);
    expect(await store.pruneMessagesBefore(2000)).to.equal(0);
    await store.close();
    const reopened = await openStore(dir);
    expect(await reopened.countMessages()).to.equal(3);
    expect(await reopened.getMessage(`wamid.1001/wa:${LUIS}`)).to.equal(undefined);
    expect(await reopened.countConversations()).to.equal(3);
    await reopened.close();
    expect(await filesText(path.join(dir, 'journal'))).to.not.contain(`said by ${LUIS}`);
  });
});
