import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import type { EmbeddedStore } from '../../storage/embedded/embedded-store.js';
import type { InboxItem } from '../../storage/store.js';
import { makeTempDir, openStore, removeDir } from './helpers.js';

/** Every inbox segment's text, by file name. */
async function inboxFiles(dataDir: string): Promise<Map<string, string>> {
  const dir = path.join(dataDir, 'inbox');
  const files = new Map<string, string>();
  for (const name of (await readdir(dir)).sort()) {
    // Housekeeping may delete a segment between the listing and the read.
    const text = await readFile(path.join(dir, name), 'utf8').catch(() => undefined);
    if (text !== undefined) files.set(name, text);
  }
  return files;
}

async function allInboxText(dataDir: string): Promise<string> {
  return [...(await inboxFiles(dataDir)).values()].join('');
}

/** Housekeeping runs in the background; poll briefly instead of sleeping a fixed time. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** About 250 bytes as a journal line: two fit in a 600-byte segment, a third starts the next one. */
const body = (label: string): string => `{"marker":"BODY[${label}]","pad":"${'p'.repeat(100)}"}`;

describe('EmbeddedStore inbox segments', () => {
  let dir: string;
  let store: EmbeddedStore;
  const options = { inboxSegmentBytes: 600, inboxRetireIntervalMs: 0 };

  beforeEach(async () => {
    dir = await makeTempDir();
    store = await openStore(dir, options);
  });
  afterEach(async () => {
    await store.close();
    await removeDir(dir);
  });

  it('deletes finished segments so processed bodies leave the disk, keeping pending ones', async () => {
    const items = [];
    for (let n = 0; n < 20; n += 1) items.push(await store.appendInbox('whatsapp', body(`${n}`), n));
    expect((await inboxFiles(dir)).size).to.be.greaterThan(5);

    const stuck = items[7]!;
    // Deletion is per segment: the one body that shares the stuck item's segment has to wait for it.
    const [stuckFile, stuckText] = [...(await inboxFiles(dir)).entries()].find(([, text]) => text.includes('BODY[7]'))!;
    const sharing = items.filter((item) => stuckText.includes(item.body.replace(/"/g, '\\"')));
    expect(sharing.map((item) => item.receivedAt)).to.deep.equal([6, 7]);

    await Promise.all(items.filter((item) => item !== stuck).map((item) => store.completeInbox(item.id)));
    const bodyOutsideStuckSegment = /BODY\[(?![67]\])/;
    await eventually(async () => !bodyOutsideStuckSegment.test(await allInboxText(dir)));
    const remaining = await inboxFiles(dir);
    expect(remaining.get(stuckFile)).to.equal(stuckText);
    expect(remaining.size).to.be.at.most(3);

    await store.close();
    store = await openStore(dir, options);
    expect(await store.pendingInbox()).to.deep.equal([stuck]);

    await store.completeInbox(stuck.id);
    await store.close();
    expect(await allInboxText(dir)).to.not.include('BODY[');
    store = await openStore(dir, options);
    expect(await store.pendingInbox()).to.deep.equal([]);
  });

  it('does not revive an item whose completion lived in a deleted later segment', async () => {
    const a = await store.appendInbox('whatsapp', body('a'), 1);
    const b = await store.appendInbox('whatsapp', body('b'), 2);
    const c = await store.appendInbox('whatsapp', body('c'), 3);
    const [first, second] = [...(await inboxFiles(dir)).entries()];
    // Precondition of the scenario: a and b share the first segment, c starts the second.
    expect(first?.[1]).to.include('BODY[a]').and.include('BODY[b]');
    expect(second?.[1]).to.include('BODY[c]');

    await store.completeInbox(a.id); // written in c's segment
    await store.completeInbox(c.id); // c's segment is now finished and gets deleted
    await eventually(async () => !(await inboxFiles(dir)).has(second![0]));

    await store.close();
    store = await openStore(dir, options);
    expect(await store.pendingInbox()).to.deep.equal([b]);

    await store.completeInbox(b.id);
    await eventually(async () => !(await inboxFiles(dir)).has(first![0]));
    await store.close();
    store = await openStore(dir, options);
    expect(await store.pendingInbox()).to.deep.equal([]);
    expect(await allInboxText(dir)).to.not.include('BODY[');
  });

  it('matches a simple model through random appends, completions and restarts', async () => {
    let seed = 12345;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const model: InboxItem[] = [];
    for (let step = 0; step < 400; step += 1) {
      const roll = random();
      if (roll < 0.55 || model.length === 0) {
        model.push(await store.appendInbox('whatsapp', body(`s${step}`), step));
      } else if (roll < 0.95) {
        const [done] = model.splice(Math.floor(random() * model.length), 1);
        await store.completeInbox(done!.id);
      } else {
        await store.close();
        store = await openStore(dir, options);
        expect(await store.pendingInbox(), `after restart at step ${step}`).to.deep.equal(model);
      }
    }
    await Promise.all(model.map((item) => store.completeInbox(item.id)));
    await store.close();
    expect(await allInboxText(dir)).to.not.include('BODY[');
    store = await openStore(dir, options);
    expect(await store.pendingInbox()).to.deep.equal([]);
  });

  it('retires a drained active segment while running, not only at close', async () => {
    const item = await store.appendInbox('whatsapp', body('only'), 1);
    await store.completeInbox(item.id);
    await eventually(async () => !(await allInboxText(dir)).includes('BODY[only]'));
    expect(await store.pendingInbox()).to.deep.equal([]);
  });
});
