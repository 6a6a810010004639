/**
 * Where files wait between a download and an upload: a temporary file on disk, never a buffer in
 * memory. A download streams through a meter that hashes the bytes and stops the transfer the moment
 * it passes the byte cap, so an oversize file costs at most the cap in disk and a few KB in memory.
 *
 * Spooling to disk (rather than piping download → upload) is deliberate: the checksum and the real
 * type are known before anything reaches the destination, and Slack's upload needs the length first.
 * The number of transfers at once is bounded too, so a burst of large files cannot exhaust sockets or disk.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import PQueue from 'p-queue';
import { MediaError, transferError } from './media-errors.js';

/** Transfers (download + upload) running at once, across every conversation. */
export const DEFAULT_MEDIA_TRANSFERS = 8;

export interface SpoolOptions {
  /** Directory for temporary files; emptied at start (leftovers of a crash are useless). */
  dir?: string;
  concurrency?: number;
}

export interface ReceiveOptions {
  maxBytes: number;
  /** Size announced before the transfer (metadata, Content-Length): too big means not downloading at all. */
  knownSize?: number;
  /** WhatsApp's `sha256` of the file, base64 or hex; undefined or unreadable skips the check. */
  expectedSha256?: string;
}

export interface SpooledFile {
  path: string;
  size: number;
  sha256Hex: string;
  /** Deletes the temporary file; safe to call twice. */
  release(): Promise<void>;
}

/** Thrown inside the pipeline to stop reading; becomes a `too-large` MediaError. */
class OverLimit extends Error {}

export class MediaSpool {
  readonly dir: string;
  private readonly transfers: PQueue;
  private ready?: Promise<void>;

  constructor(options: SpoolOptions = {}) {
    this.dir = options.dir ?? join(tmpdir(), `puente-media-${process.pid}-${randomUUID().slice(0, 8)}`);
    this.transfers = new PQueue({ concurrency: options.concurrency ?? DEFAULT_MEDIA_TRANSFERS });
  }

  /** Empties the directory (files left by a crash) and creates it. */
  reset(): Promise<void> {
    this.ready = (async () => {
      await rm(this.dir, { recursive: true, force: true });
      await mkdir(this.dir, { recursive: true });
    })();
    return this.ready;
  }

  /** Runs one transfer when a slot is free. */
  transfer<T>(task: () => Promise<T>): Promise<T> {
    return this.transfers.add(task);
  }

  /**
   * Streams `source` into a temporary file. Rejects with a MediaError: `too-large` (the source is
   * destroyed at the cap, never read further), `checksum`, or `transfer` when the source fails midway.
   */
  async receive(source: Readable, options: ReceiveOptions): Promise<SpooledFile> {
    if (options.knownSize !== undefined && options.knownSize > options.maxBytes) {
      source.destroy();
      throw new MediaError({ reason: 'too-large', size: options.knownSize, limit: options.maxBytes });
    }
    await (this.ready ??= mkdir(this.dir, { recursive: true }).then(() => undefined));
    const path = join(this.dir, randomUUID());
    const release = (): Promise<void> => rm(path, { force: true });
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > options.maxBytes) {
          done(new OverLimit());
          return;
        }
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(source, meter, createWriteStream(path));
    } catch (error) {
      await release();
      if (error instanceof OverLimit) throw new MediaError({ reason: 'too-large', limit: options.maxBytes });
      throw error instanceof MediaError ? error : transferError(`download interrupted: ${(error as Error).message}`, error);
    }
    const digest = hash.digest();
    const expected = options.expectedSha256 === undefined ? undefined : sha256Bytes(options.expectedSha256);
    if (expected && !expected.equals(digest)) {
      await release();
      throw new MediaError({ reason: 'checksum' });
    }
    return { path, size, sha256Hex: digest.toString('hex'), release };
  }
}

/** WhatsApp sends sha256 as base64 in webhooks and as hex from the media endpoint: both are read. */
export function sha256Bytes(value: string): Buffer | undefined {
  const text = value.trim();
  if (/^[0-9a-f]{64}$/i.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const bytes = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    return bytes.length === 32 ? bytes : undefined;
  }
  return undefined;
}
