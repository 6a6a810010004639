/**
 * One bridge per database schema, as one bridge per DATA_DIR in the embedded store (dir-lock.ts).
 * Two bridges on the same tables would both process the same inbox and outbox items and send every
 * reply twice, so the second one must refuse to start.
 *
 * The lock is a session-level `pg_advisory_lock` held by a dedicated connection for the store's
 * whole life. PostgreSQL releases it when that session ends, so a bridge that dies (kill -9, host
 * lost) frees it with no stale lock to clean up: the server notices the closed socket at once, a
 * vanished host once TCP keepalive gives up. A bridge that loses its lock session while running
 * cannot know whether another one has taken over, so it stops using the store (`onLost`).
 */
import pg from 'pg';
import type { Logger } from '../../bot/logger.js';
import { clientConfig, type ConnectionSettings } from './connection.js';

export class DatabaseInUseError extends Error {
  constructor(
    readonly lockName: string,
    readonly holder: string,
  ) {
    super(
      `the PostgreSQL database (schema and lock "${lockName}") is in use by another Puente process (${holder}); ` +
        'one bridge per database schema: stop the other one, or give this one its own database, schema or DATABASE_LOCK_NAME with its own tables',
    );
    this.name = 'DatabaseInUseError';
  }
}

export interface WriterLockOptions extends ConnectionSettings {
  /** DATABASE_LOCK_NAME; the key also includes the schema, so bridges in different schemas do not block each other. */
  lockName: string;
  /** How long to keep trying when another session holds the lock (covers a predecessor still being torn down). */
  waitMs: number;
  /** How often the lock session is checked while idle (default 10 s). */
  heartbeatMs?: number;
  logger: Logger;
  onLost: (error: Error) => void;
}

export class WriterLock {
  private heartbeat: NodeJS.Timeout | undefined;
  private released = false;

  private constructor(
    /** The session holding the lock; also used for the migrations at open. */
    readonly client: pg.Client,
    readonly key: string,
    private readonly options: WriterLockOptions,
  ) {}

  static async acquire(options: WriterLockOptions): Promise<WriterLock> {
    const client = new pg.Client(clientConfig(options));
    // Until the lock is ours, a broken connection surfaces as a failed query below.
    client.on('error', () => undefined);
    await client.connect();
    try {
      const schema = (await client.query<{ schema: string | null }>('SELECT current_schema() AS schema')).rows[0]?.schema;
      if (!schema) throw new Error('no schema to work in: the search_path names no existing schema (create it, or fix DATABASE_URL)');
      const key = `puente:${schema}:${options.lockName}`;
      const deadline = Date.now() + options.waitMs;
      for (;;) {
        const taken = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok', [key]);
        if (taken.rows[0]?.ok) break;
        if (Date.now() >= deadline) throw new DatabaseInUseError(`${schema}/${options.lockName}`, await describeHolder(client, key));
        await new Promise((resolve) => setTimeout(resolve, Math.min(500, Math.max(50, deadline - Date.now()))));
      }
      return new WriterLock(client, key, options);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
  }

  /** Ends the session, which releases the lock. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.heartbeat);
    await this.client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [this.key]).catch(() => undefined);
    await this.client.end().catch(() => undefined);
  }

  /**
   * From now on, a lost session or one that stops answering calls `onLost`. Started once the
   * migrations (which run on this session) are done, so a long migration is not taken for silence.
   */
  watch(): void {
    const lost = (error: Error): void => {
      if (this.released) return;
      this.released = true;
      clearInterval(this.heartbeat);
      this.options.logger.error({ err: error }, 'lost the PostgreSQL session holding the writer lock; the store stops');
      void this.client.end().catch(() => undefined);
      this.options.onLost(error);
    };
    this.client.removeAllListeners('error');
    this.client.on('error', lost);
    this.client.on('end', () => lost(new Error('the PostgreSQL session holding the writer lock ended')));
    const every = this.options.heartbeatMs ?? 10_000;
    this.heartbeat = setInterval(() => {
      // A session that stops answering (a half-open connection) counts as lost too.
      let timer: NodeJS.Timeout | undefined;
      const silent = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the PostgreSQL session holding the writer lock did not answer for ${3 * every} ms`)), 3 * every);
      });
      Promise.race([this.client.query('SELECT 1'), silent])
        .catch((error: unknown) => lost(error instanceof Error ? error : new Error(String(error))))
        .finally(() => clearTimeout(timer));
    }, every);
    this.heartbeat.unref();
  }
}

/** Who holds the lock, from pg_locks and pg_stat_activity (best effort: needs the rights to see other sessions). */
async function describeHolder(client: pg.Client, key: string): Promise<string> {
  try {
    const { rows } = await client.query<{ pid: number; application_name: string | null; client_addr: string | null }>(
      `WITH k AS (SELECT hashtextextended($1, 0) AS v)
       SELECT a.pid, a.application_name, a.client_addr::text AS client_addr
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid, k
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND l.classid::bigint = ((k.v >> 32) & 4294967295) AND l.objid::bigint = (k.v & 4294967295)`,
      [key],
    );
    const holder = rows[0];
    if (!holder) return 'holder not visible to this database user';
    return [`backend pid ${holder.pid}`, holder.application_name && `"${holder.application_name}"`, holder.client_addr && `from ${holder.client_addr}`]
      .filter(Boolean)
      .join(', ');
  } catch {
    return 'holder unknown';
  }
}
