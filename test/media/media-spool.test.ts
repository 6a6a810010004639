/** Downloads stream to disk under a byte cap, with the checksum checked, never buffered whole. */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { MediaError } from '../../bot/media-errors.js';
import { MediaSpool, sha256Bytes } from '../../bot/media-spool.js';

const CHUNK = 64 * 1024;

/** A source of `total` bytes in 64 KB chunks that counts how much was pulled from it. */
function countingSource(total: number, failAfter?: number): { stream: Readable; pulled: () => number } {
  let pulled = 0;
  const stream = new Readable({
    read() {
      if (failAfter !== undefined && pulled >= failAfter) {
        this.destroy(new Error('socket hang up'));
        return;
      }
      if (pulled >= total) {
        this.push(null);
        return;
      }
      const size = Math.min(CHUNK, total - pulled);
      pulled += size;
      this.push(Buffer.alloc(size, 7));
    },
  });
  return { stream, pulled: () => pulled };
}

async function rejection(promise: Promise<unknown>): Promise<MediaError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(MediaError);
    return error as MediaError;
  }
  throw new Error('expected a MediaError');
}

describe('media spool', () => {
  let spool: MediaSpool;

  beforeEach(async () => {
    spool = new MediaSpool({ dir: join(tmpdir(), `puente-spool-test-${process.pid}-${Math.random().toString(36).slice(2)}`), concurrency: 2 });
    await spool.reset();
  });
  afterEach(() => rm(spool.dir, { recursive: true, force: true }));

  it('takes a file of exactly the limit, with its size and sha256', async () => {
    const limit = 1024 * 1024 + 17;
    const { stream } = countingSource(limit);
    const file = await spool.receive(stream, { maxBytes: limit });
    expect(file.size).to.equal(limit);
    const data = await readFile(file.path);
    expect(data.length).to.equal(limit);
    expect(file.sha256Hex).to.equal(createHash('sha256').update(data).digest('hex'));
    await file.release();
    expect(await readdir(spool.dir)).to.deep.equal([]);
  });

  it('stops a file one byte over the limit at the limit, and leaves nothing on disk', async () => {
    const limit = 1024 * 1024;
    const source = countingSource(10 * limit);
    const error = await rejection(spool.receive(source.stream, { maxBytes: limit + 0 }));
    expect(error.problem).to.deep.equal({ reason: 'too-large', limit });
    expect(error.retryable).to.equal(false);
    // Reading stopped within a few chunks of the cap, not at the end of the 10 MB source.
    expect(source.pulled()).to.be.lessThan(limit + 4 * CHUNK);
    expect(source.stream.destroyed).to.equal(true);
    expect(await readdir(spool.dir)).to.deep.equal([]);

    const exactlyOver = countingSource(limit + 1);
    expect((await rejection(spool.receive(exactlyOver.stream, { maxBytes: limit }))).problem.reason).to.equal('too-large');
  });

  it('refuses a file whose announced size is over the limit without reading a byte', async () => {
    const source = countingSource(100);
    const error = await rejection(spool.receive(source.stream, { maxBytes: 99, knownSize: 100 }));
    expect(error.problem).to.deep.equal({ reason: 'too-large', size: 100, limit: 99 });
    expect(source.pulled()).to.equal(0);
  });

  it('checks WhatsApp’s sha256 in base64 and in hex', async () => {
    const data = Buffer.from('hola, soy un PDF');
    const digest = createHash('sha256').update(data).digest();
    for (const expectedSha256 of [digest.toString('base64'), digest.toString('hex'), digest.toString('hex').toUpperCase()]) {
      const file = await spool.receive(Readable.from([data]), { maxBytes: 1000, expectedSha256 });
      await file.release();
    }
  });

  it('rejects bytes that do not match the sha256, as a problem worth retrying', async () => {
    const wrong = createHash('sha256').update('something else').digest('base64');
    const error = await rejection(spool.receive(Readable.from([Buffer.from('hola')]), { maxBytes: 1000, expectedSha256: wrong }));
    expect(error.problem).to.deep.equal({ reason: 'checksum' });
    expect(error.retryable).to.equal(true);
    expect(await readdir(spool.dir)).to.deep.equal([]);
  });

  it('turns a source that fails midway into a retryable transfer problem', async () => {
    const source = countingSource(1024 * 1024, 3 * CHUNK);
    const error = await rejection(spool.receive(source.stream, { maxBytes: 10 * 1024 * 1024 }));
    expect(error.problem.reason).to.equal('transfer');
    expect(error.retryable).to.equal(true);
    expect(await readdir(spool.dir)).to.deep.equal([]);
  });

  it('reads both checksum spellings and ignores anything else', () => {
    const digest = createHash('sha256').update('x').digest();
    expect(sha256Bytes(digest.toString('hex'))?.equals(digest)).to.equal(true);
    expect(sha256Bytes(digest.toString('base64'))?.equals(digest)).to.equal(true);
    expect(sha256Bytes(digest.toString('base64url'))?.equals(digest)).to.equal(true);
    expect(sha256Bytes('not-a-checksum')).to.equal(undefined);
  });

  it('runs at most `concurrency` transfers at once', async () => {
    let running = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        spool.transfer(async () => {
          running++;
          most = Math.max(most, running);
          await new Promise((resolve) => setTimeout(resolve, 10));
          running--;
        }),
      ),
    );
    expect(most).to.equal(2);
  });
});
