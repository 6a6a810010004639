import { appendFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { silentLogger } from '../../bot/logger.js';
import { Journal, JournalCorruptError, segmentPath, type JournalOptions } from '../../storage/embedded/journal.js';
import { makeTempDir, removeDir } from './helpers.js';

interface Replayed {
  record: unknown;
  segment: number;
}

async function openJournal(options: JournalOptions): Promise<{ journal: Journal; replayed: Replayed[] }> {
  const replayed: Replayed[] = [];
  const journal = await Journal.open(options, (record, segment) => replayed.push({ record, segment }));
  return { journal, replayed };
}

describe('Journal', () => {
  let dir: string;
  let options: JournalOptions;

  beforeEach(async () => {
    dir = await makeTempDir();
    options = { dir: path.join(dir, 'journal'), segmentBytes: 1024 * 1024, fsync: true, logger: silentLogger() };
  });
  afterEach(() => removeDir(dir));

  it('replays appended records in order after reopening', async () => {
    const { journal } = await openJournal(options);
    await Promise.all([1, 2, 3].map((n) => journal.append(JSON.stringify({ n })).durable));
    await journal.close();

    const { journal: reopened, replayed } = await openJournal(options);
    expect(replayed).to.deep.equal([1, 2, 3].map((n) => ({ record: { n }, segment: 1 })));
    await reopened.close();
  });

  it('keeps call order for many concurrent appends (group commit)', async () => {
    const { journal } = await openJournal(options);
    const count = 2000;
    await Promise.all(Array.from({ length: count }, (_, n) => journal.append(JSON.stringify({ n })).durable));
    await journal.close();

    const { journal: reopened, replayed } = await openJournal(options);
    expect(replayed.map((entry) => (entry.record as { n: number }).n)).to.deep.equal(Array.from({ length: count }, (_, n) => n));
    await reopened.close();
  });

  it('starts a new segment at the size threshold and replays across segments', async () => {
    const { journal } = await openJournal({ ...options, segmentBytes: 100 });
    const tickets = Array.from({ length: 10 }, (_, n) => journal.append(JSON.stringify({ n, pad: 'x'.repeat(30) })));
    await Promise.all(tickets.map((ticket) => ticket.durable));
    await journal.close();

    expect(new Set(tickets.map((ticket) => ticket.segment)).size).to.be.greaterThan(1);
    const files = (await readdir(options.dir)).sort();
    expect(files.length).to.equal(new Set(tickets.map((ticket) => ticket.segment)).size);
    for (const file of files) expect((await stat(path.join(options.dir, file))).size).to.be.at.most(100);

    const { journal: reopened, replayed } = await openJournal({ ...options, segmentBytes: 100 });
    expect(replayed.map((entry) => (entry.record as { n: number }).n)).to.deep.equal([...Array(10).keys()]);
    expect(replayed.map((entry) => entry.segment)).to.deep.equal(tickets.map((ticket) => ticket.segment));
    await reopened.close();
  });

  for (const [name, tail] of [
    ['a partial last line', '{"n":3,"text":"cut off in the mid'],
    ['a complete record without its newline', '{"n":3}'],
    ['zero bytes left by a power cut', '\0\0\0\0\0\0\n\0\0\0'],
  ] as const) {
    it(`cuts off ${name} and keeps appending after it`, async () => {
      const { journal } = await openJournal(options);
      await Promise.all([1, 2].map((n) => journal.append(JSON.stringify({ n })).durable));
      await journal.close();
      const file = segmentPath(options.dir, 1);
      const intactSize = (await stat(file)).size;
      await appendFile(file, tail);

      const { journal: repaired, replayed } = await openJournal(options);
      expect(replayed.map((entry) => entry.record)).to.deep.equal([{ n: 1 }, { n: 2 }]);
      expect((await stat(file)).size).to.equal(intactSize);
      await repaired.append(JSON.stringify({ n: 4 })).durable;
      await repaired.close();

      const { journal: again, replayed: replayedAgain } = await openJournal(options);
      expect(replayedAgain.map((entry) => entry.record)).to.deep.equal([{ n: 1 }, { n: 2 }, { n: 4 }]);
      await again.close();
    });
  }

  it('refuses to open when a damaged line is followed by intact records', async () => {
    const { journal } = await openJournal(options);
    await journal.append(JSON.stringify({ n: 1 })).durable;
    await journal.close();
    const file = segmentPath(options.dir, 1);
    await appendFile(file, '{"n":2,"garbled\n{"n":3}\n');

    let error: unknown;
    try {
      await openJournal(options);
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(JournalCorruptError);
    expect((error as JournalCorruptError).offset).to.equal('{"n":1}\n'.length);
    // Nothing was cut: the operator decides what to do with the damaged file.
    expect(await readFile(file, 'utf8')).to.equal('{"n":1}\n{"n":2,"garbled\n{"n":3}\n');
  });

  it('deletes a segment that is no longer appended to, and never the active one', async () => {
    const { journal } = await openJournal({ ...options, segmentBytes: 10 });
    const first = journal.append(JSON.stringify({ n: 1 }));
    const second = journal.append(JSON.stringify({ n: 2 }));
    await second.durable;
    expect(second.segment).to.equal(first.segment + 1);

    await journal.deleteSegment(first.segment);
    expect(await journal.listSegments()).to.deep.equal([second.segment]);
    let error: unknown;
    await journal.deleteSegment(second.segment).catch((caught: unknown) => (error = caught));
    expect(String(error)).to.match(/still being appended/);
    await journal.close();
  });

  it('rejects appends after close', async () => {
    const { journal } = await openJournal(options);
    await journal.close();
    let error: unknown;
    await journal.append('{}').durable.catch((caught: unknown) => (error = caught));
    expect(String(error)).to.match(/closed/);
  });

  it('reads lines longer than its read buffer', async () => {
    const { journal } = await openJournal(options);
    const big = 'y'.repeat(3 * 1024 * 1024 + 17);
    await journal.append(JSON.stringify({ big })).durable;
    await journal.append(JSON.stringify({ n: 2 })).durable;
    await journal.close();
    await writeFile(path.join(options.dir, 'unrelated.txt'), 'ignored');

    const { journal: reopened, replayed } = await openJournal(options);
    expect(replayed.map((entry) => entry.record)).to.deep.equal([{ big }, { n: 2 }]);
    await reopened.close();
  });
});
