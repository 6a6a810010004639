import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { EmbeddedStore } from '../../storage/embedded/embedded-store.js';
import { segmentPath } from '../../storage/embedded/journal.js';
import type { MainRecord } from '../../storage/embedded/records.js';
import { conversation, inboundMessage, makeTempDir, openStore, removeDir } from './helpers.js';

// The Store contract itself (conversations, messages, outbox, inbox, policy, erasure, restarts) is
// tested for every implementation in store-contract.test.ts; what is here is the embedded store's own.
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

  it('makes a read wait for the durability of the record it returns, and only that record', async () => {
    await store.saveConversation(conversation('settled'));
    const journalFile = segmentPath(path.join(dir, 'journal'), 1);
    const order: string[] = [];
    const writing = store.saveConversation(conversation('writing', { lastInboundAt: 7 }));
    const unrelated = store.getConversation('settled').then(() => order.push('unrelated read'));
    const dependent = store.getConversation('writing').then((found) => {
      // By the time the read answers, the record it returns is in the journal file.
      order.push(`dependent read ${found?.lastInboundAt}, on disk: ${readFileSync(journalFile, 'utf8').includes('"writing"')}`);
    });
    void writing.then(() => order.push('written'));
    await Promise.all([writing, unrelated, dependent]);
    expect(order[0]).to.equal('unrelated read');
    expect(order).to.include('dependent read 7, on disk: true');
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
