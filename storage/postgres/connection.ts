/**
 * Connections to PostgreSQL: one pool for the store's queries, plus (writer-lock.ts) one dedicated
 * session that holds the writer lock. Both use the same settings, so they land in the same database
 * and schema.
 */
import os from 'node:os';
import pg from 'pg';
import type { Logger } from '../../bot/logger.js';

export interface ConnectionSettings {
  /** DATABASE_URL (`postgres://user:password@host:5432/db`; libpq-style query parameters such as `sslmode` and `options` work). */
  connectionString: string;
  /** A schema to work in instead of the URL's search_path (tests use one fresh schema per run). */
  schema?: string;
  /** Most connections the pool opens (default 10). */
  poolSize?: number;
  /** How long to wait for a connection before failing (default 10 s). */
  connectTimeoutMs?: number;
}

/** Shows in `pg_stat_activity`, so a refused second bridge can name the one holding the lock. */
export function applicationName(): string {
  return `puente ${os.hostname()} pid ${process.pid}`.slice(0, 63);
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function clientConfig(settings: ConnectionSettings): pg.ClientConfig {
  return {
    connectionString: settings.connectionString,
    application_name: applicationName(),
    connectionTimeoutMillis: settings.connectTimeoutMs ?? 10_000,
    // A peer that vanished without closing the socket is noticed instead of waited on forever.
    keepAlive: true,
    ...(settings.schema === undefined ? {} : { options: `-c search_path=${quoteIdentifier(settings.schema)}` }),
  };
}

export function createPool(settings: ConnectionSettings, logger: Logger): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(settings), max: settings.poolSize ?? 10 });
  // An idle pooled connection that breaks (server restart) must not crash the process; the next
  // query opens a new one.
  pool.on('error', (error) => logger.warn({ err: error }, 'idle PostgreSQL connection failed'));
  return pool;
}

/** Runs `work` in one transaction; resolves only after COMMIT has returned, i.e. once it is durable. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    // A connection whose rollback failed is in an unknown state: drop it instead of reusing it.
    client.release(broken);
  }
}

/** int8 columns arrive as strings (they may exceed 2^53); the ones here are milliseconds and counts. */
export function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}
