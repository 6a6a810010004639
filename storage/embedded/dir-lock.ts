/**
 * One process per data directory. Two bridges appending to the same journal would interleave
 * records and corrupt each other's indexes, so the second one must refuse to start. The lock is a
 * file holding the owner's pid; a lock left by a process that died (kill -9, crash) is taken over.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`DATA_DIR ${dataDir} is in use by another Puente process (pid ${pid}); give each bridge its own DATA_DIR`);
    this.name = 'DataDirInUseError';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else: still alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class DataDirLock {
  private constructor(private readonly file: string) {}

  static async acquire(dataDir: string): Promise<DataDirLock> {
    await mkdir(dataDir, { recursive: true });
    const file = path.join(dataDir, 'puente.lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await writeFile(file, String(process.pid), { flag: 'wx' });
        return new DataDirLock(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(owner) && isAlive(owner)) throw new DataDirInUseError(dataDir, owner);
      await rm(file, { force: true }); // stale: its owner died without releasing it
    }
    throw new Error(`could not lock DATA_DIR ${dataDir}`);
  }

  async release(): Promise<void> {
    await rm(this.file, { force: true });
  }
}
