/**
 * An append-only journal: one JSON record per line, in numbered segment files (`00000001.jsonl`, …).
 *
 * Why this shape: an append costs the same however much is stored (rewriting one JSON document
 * costs O(size) per write), and group commit spreads one `fdatasync` over every append that arrived
 * while the previous batch was being written, so throughput rises with load instead of collapsing.
 *
 * Failure model: a write or sync error poisons the journal. After a failed fsync the kernel may have
 * dropped the dirty pages, so retrying could report success for data that is gone; the only safe
 * way on is a restart that replays what is really on disk.
 */
import { mkdir, open, readdir, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../bot/logger.js';

export interface JournalOptions {
  dir: string;
  /** An append that would take the current segment past this many bytes starts a new segment. */
  segmentBytes: number;
  /** Sync each batch (and the directory when a segment is opened). Off only in tests and benchmarks. */
  fsync: boolean;
  logger: Logger;
}

/** What `append` hands back: the segment the record was assigned to, and when it is on disk. */
export interface AppendTicket {
  segment: number;
  durable: Promise<void>;
}

/** Called once per record during replay, in journal order. */
export type ReplayVisitor = (record: unknown, segment: number) => void;

/** A damaged line followed by intact ones: not a torn write, so dropping it could lose acknowledged data. */
export class JournalCorruptError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
  ) {
    super(`journal segment ${file} is damaged at byte ${offset} and intact records follow; refusing to open`);
    this.name = 'JournalCorruptError';
  }
}

interface QueuedAppend {
  text: string;
  segment: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** One `write` per batch; the cap keeps a burst of large webhook bodies from building one huge buffer. */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;
const READ_CHUNK_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

export class Journal {
  private readonly queue: QueuedAppend[] = [];
  private flushing = false;
  private failedWith: Error | undefined;
  private closed = false;
  /** The segment file the flusher last wrote to. */
  private file: { segment: number; handle: FileHandle } | undefined;
  /** Settles when every append made so far is durable (or the journal failed). */
  private lastDurable: Promise<void> = Promise.resolve();

  private constructor(
    private readonly options: JournalOptions,
    /** Segments are assigned at append time, so callers know synchronously where a record lives. */
    private tailSegment: number,
    private tailBytes: number,
  ) {}

  /** Replays every segment in order through `visit`, repairing a torn tail, then opens for appending. */
  static async open(options: JournalOptions, visit: ReplayVisitor): Promise<Journal> {
    await mkdir(options.dir, { recursive: true });
    await removeUnfinishedRewrites(options.dir);
    const segments = await listSegmentNumbers(options.dir);
    let lastSize = 0;
    for (const segment of segments) {
      lastSize = await replaySegment(segmentPath(options.dir, segment), segment, visit, options);
    }
    const last = segments.at(-1);
    return new Journal(options, last ?? 1, last === undefined ? 0 : lastSize);
  }

  /** The segment the next append goes to. */
  get activeSegment(): number {
    return this.tailSegment;
  }

  /** Queues `json` (one JSON text, which never contains a raw newline) behind every earlier append. */
  append(json: string): AppendTicket {
    if (this.failedWith || this.closed) {
      return { segment: this.tailSegment, durable: Promise.reject(this.failedWith ?? new Error('journal is closed')) };
    }
    const text = `${json}\n`;
    const bytes = Buffer.byteLength(text);
    if (this.tailBytes > 0 && this.tailBytes + bytes > this.options.segmentBytes) this.startNewSegment();
    this.tailBytes += bytes;
    const segment = this.tailSegment;
    const durable = new Promise<void>((resolve, reject) => this.queue.push({ text, segment, resolve, reject }));
    this.lastDurable = durable;
    if (!this.flushing) {
      this.flushing = true;
      // A microtask later, so that appends made in the same tick share the first batch too.
      queueMicrotask(() => void this.flush());
    }
    return { segment, durable };
  }

  /** Why the journal stopped taking appends, once a write or sync failed. */
  get failure(): Error | undefined {
    return this.failedWith;
  }

  /** Settles once everything appended before this call is durable. */
  whenDurable(): Promise<void> {
    return this.failedWith ? Promise.reject(this.failedWith) : this.lastDurable;
  }

  /** Sends later appends to a fresh segment (if the current one holds anything). */
  rotate(): void {
    if (this.tailBytes > 0) this.startNewSegment();
  }

  /** Segment numbers present on disk, oldest first. */
  listSegments(): Promise<number[]> {
    return listSegmentNumbers(this.options.dir);
  }

  /** Removes a segment that no longer receives appends, once everything queued for it is durable. */
  async deleteSegment(segment: number): Promise<void> {
    if (segment >= this.tailSegment) throw new Error(`journal segment ${segment} is still being appended to`);
    await this.whenDurable();
    // The flusher keeps the last file open until it needs the next one; an unlinked but open file keeps its space.
    if (this.file?.segment === segment && !this.flushing) {
      const { handle } = this.file;
      this.file = undefined;
      await handle.close();
    }
    // No directory sync: if the unlink is lost in a power cut the segment just comes back, and every
    // record in it is already accounted for elsewhere, so replaying it again changes nothing.
    await unlink(segmentPath(this.options.dir, segment)).catch(ignoreMissing);
  }

  /**
   * Rewrites a segment that no longer receives appends, keeping only what `transform` returns for
   * each line (the line itself, a replacement, or undefined to drop it): how erased or expired
   * records leave the disk. Crash-safe: the new content is written beside the segment, synced, and
   * renamed over it, so at any moment the segment is either wholly old or wholly new; a crash
   * leaves at most a `.rewrite` file, which the next open deletes.
   */
  async rewriteSegment(segment: number, transform: (record: object, line: string) => string | undefined): Promise<{ kept: number; dropped: number }> {
    if (segment >= this.tailSegment) throw new Error(`journal segment ${segment} is still being appended to`);
    await this.whenDurable();
    const file = segmentPath(this.options.dir, segment);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      ignoreMissing(error as NodeJS.ErrnoException);
      return { kept: 0, dropped: 0 };
    }
    const kept: string[] = [];
    let dropped = 0;
    let changed = false;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const record = parseRecord(Buffer.from(line, 'utf8'), 0, Buffer.byteLength(line));
      const result = record === undefined ? undefined : transform(record, line);
      if (result === undefined) dropped += 1;
      else kept.push(result);
      if (result !== line) changed = true;
    }
    if (!changed) return { kept: kept.length, dropped };
    if (this.file?.segment === segment && !this.flushing) {
      const { handle } = this.file;
      this.file = undefined;
      await handle.close();
    }
    const temp = `${file}${REWRITE_SUFFIX}`;
    const handle = await open(temp, 'w');
    try {
      await writeFully(handle, Buffer.from(kept.map((line) => `${line}\n`).join(''), 'utf8'));
      if (this.options.fsync) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
    if (this.options.fsync) await syncDirectory(this.options.dir);
    return { kept: kept.length, dropped };
  }

  /** Waits for queued appends, then refuses new ones. */
  async close(): Promise<void> {
    this.closed = true;
    await this.whenDurable().catch(() => undefined);
    const handle = this.file?.handle;
    this.file = undefined;
    await handle?.close();
  }

  private startNewSegment(): void {
    this.tailSegment += 1;
    this.tailBytes = 0;
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.takeBatch();
        try {
          const handle = await this.handleFor(batch[0]!.segment);
          await writeFully(handle, Buffer.from(batch.map((entry) => entry.text).join(''), 'utf8'));
          if (this.options.fsync) await handle.datasync();
        } catch (error) {
          this.fail(error instanceof Error ? error : new Error(String(error)), batch);
          return;
        }
        for (const entry of batch) entry.resolve();
      }
    } finally {
      this.flushing = false;
    }
  }

  /** The longest run of queued appends for one segment, within the batch size cap. */
  private takeBatch(): QueuedAppend[] {
    const segment = this.queue[0]!.segment;
    let count = 0;
    let bytes = 0;
    for (const entry of this.queue) {
      if (entry.segment !== segment || (count > 0 && bytes + entry.text.length > MAX_BATCH_BYTES)) break;
      count += 1;
      bytes += entry.text.length;
    }
    return this.queue.splice(0, count);
  }

  private async handleFor(segment: number): Promise<FileHandle> {
    if (this.file?.segment === segment) return this.file.handle;
    const previous = this.file?.handle;
    this.file = undefined;
    await previous?.close();
    const handle = await open(segmentPath(this.options.dir, segment), 'a');
    this.file = { segment, handle };
    // A new file's directory entry must be durable too, or a power cut could drop the whole segment.
    if (this.options.fsync) await syncDirectory(this.options.dir);
    return handle;
  }

  private fail(error: Error, batch: QueuedAppend[]): void {
    this.failedWith = error;
    this.options.logger.error({ err: error, dir: this.options.dir }, 'journal write failed; the store must be restarted');
    for (const entry of [...batch, ...this.queue.splice(0)]) entry.reject(error);
  }
}

export function segmentPath(dir: string, segment: number): string {
  return path.join(dir, `${String(segment).padStart(8, '0')}.jsonl`);
}

/** Suffix of a segment's replacement while `rewriteSegment` writes it. */
const REWRITE_SUFFIX = '.rewrite';

/** A rewrite a crash interrupted: the segment itself is intact, and the partial copy may hold erased records. */
async function removeUnfinishedRewrites(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (name.endsWith(REWRITE_SUFFIX)) await unlink(path.join(dir, name)).catch(ignoreMissing);
  }
}

async function listSegmentNumbers(dir: string): Promise<number[]> {
  const names = await readdir(dir);
  return names
    .map((name) => /^(\d+)\.jsonl$/.exec(name)?.[1])
    .filter((digits): digits is string => digits !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/**
 * Feeds every intact line to `visit` and returns the segment's size afterwards. Damage at the tail
 * (a partial last line, or garbage a power cut left behind) is a write that never completed, so its
 * append was never acknowledged: it is cut off. Damage followed by intact lines is not explainable
 * by a crash and stops the open.
 */
async function replaySegment(file: string, segment: number, visit: ReplayVisitor, options: JournalOptions): Promise<number> {
  const handle = await open(file, 'r+');
  try {
    const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    let carry = Buffer.alloc(0);
    /** File offset of `carry[0]`. */
    let carryOffset = 0;
    let readOffset = 0;
    /** File offset just past the last intact line. */
    let intactEnd = 0;
    let damagedAt: number | undefined;
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, readOffset);
      if (bytesRead === 0) break;
      readOffset += bytesRead;
      const data = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
      let lineStart = 0;
      for (let newline = data.indexOf(NEWLINE); newline !== -1; newline = data.indexOf(NEWLINE, lineStart)) {
        const record = parseRecord(data, lineStart, newline);
        if (record === undefined) {
          damagedAt ??= carryOffset + lineStart;
        } else {
          if (damagedAt !== undefined) throw new JournalCorruptError(file, damagedAt);
          visit(record, segment);
          intactEnd = carryOffset + newline + 1;
        }
        lineStart = newline + 1;
      }
      // Copied: `chunk` is reused by the next read.
      carry = Buffer.from(data.subarray(lineStart));
      carryOffset += lineStart;
    }
    if (intactEnd < readOffset) {
      options.logger.warn(
        { file, keptBytes: intactEnd, droppedBytes: readOffset - intactEnd },
        'journal segment ends with an incomplete write (crash while writing); cutting it off',
      );
      await handle.truncate(intactEnd);
      if (options.fsync) await handle.datasync();
    }
    return intactEnd;
  } finally {
    await handle.close();
  }
}

function parseRecord(data: Buffer, start: number, end: number): object | undefined {
  try {
    const value: unknown = JSON.parse(data.toString('utf8', start, end));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

async function writeFully(handle: FileHandle, buffer: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    const { bytesWritten } = await handle.write(buffer, offset, buffer.length - offset);
    offset += bytesWritten;
  }
}

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}
