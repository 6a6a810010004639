/**
 * Small, slowly changing state (store meta; later block lists, opt-outs, settings) as one lowdb JSON
 * document. Rewriting the whole document per change is fine here because it stays small; anything
 * that grows with traffic belongs in the journal.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { Low, type Adapter } from 'lowdb';
import { syncDirectory } from './journal.js';

/** Bumped when the on-disk layout changes incompatibly; a store refuses data from a newer version. */
export const SCHEMA_VERSION = 1;

export interface StoreMeta {
  schemaVersion: number;
  createdAt: number;
  /** Tells one data directory from another in logs and support requests. */
  instanceId: string;
}

export interface StateDocument {
  meta?: StoreMeta;
  [key: string]: unknown;
}

/**
 * lowdb's own `JSONFile` (steno) renames a temp file into place without syncing it, which survives a
 * killed process but can leave an empty file after a power cut; opt-outs must not vanish that way.
 * lowdb's `JSONFilePreset` is avoided too: under NODE_ENV=test it silently keeps data in memory only.
 */
export class DurableJsonFile<T> implements Adapter<T> {
  private readonly tempFile: string;
  /** lowdb calls `write` concurrently; writes go out one at a time, in call order. */
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly fsync: boolean,
  ) {
    this.tempFile = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  }

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    return JSON.parse(text) as T;
  }

  write(data: T): Promise<void> {
    // Serialised now, so each write stores the document as it was when the write was asked for.
    const text = `${JSON.stringify(data, null, 2)}\n`;
    const result = this.writes.then(() => this.replaceFile(text));
    this.writes = result.catch(() => undefined);
    return result;
  }

  private async replaceFile(text: string): Promise<void> {
    const handle = await open(this.tempFile, 'w');
    try {
      await handle.writeFile(text, 'utf8');
      if (this.fsync) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(this.tempFile, this.file);
    if (this.fsync) await syncDirectory(path.dirname(this.file));
  }
}

/** Opens (creating if needed) the state document and makes sure it carries valid meta. */
export async function openStateFile(file: string, fsync: boolean, now = Date.now()): Promise<Low<StateDocument>> {
  await mkdir(path.dirname(file), { recursive: true });
  const db = new Low<StateDocument>(new DurableJsonFile<StateDocument>(file, fsync), {});
  await db.read();
  const meta = db.data.meta;
  if (meta === undefined) {
    db.data.meta = { schemaVersion: SCHEMA_VERSION, createdAt: now, instanceId: randomUUID() };
    await db.write();
  } else if (meta.schemaVersion > SCHEMA_VERSION) {
    throw new Error(
      `${file} was written by a newer Puente (schema ${meta.schemaVersion}, this one reads up to ${SCHEMA_VERSION})`,
    );
  }
  return db;
}
