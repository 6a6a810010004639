/**
 * The two Store implementations behind one face, so the contract tests (store-contract.test.ts)
 * run the same cases against both: a site is a fresh, empty place to keep state (a temp DATA_DIR,
 * or a fresh PostgreSQL schema), on which stores can be opened one after another.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { EmbeddedStore } from '../../storage/embedded/embedded-store.js';
import { PostgresStore, type PostgresStoreOptions } from '../../storage/postgres/postgres-store.js';
import type { Store } from '../../storage/store.js';
import { makeTempDir, removeDir } from './helpers.js';

export interface OpenOptions {
  /** PostgreSQL only: how long open() waits for a held writer lock. */
  lockWaitMs?: number;
}

export interface StoreSite {
  /** A new store on this site, opened. */
  open(options?: OpenOptions): Promise<Store>;
  /** A new store on this site, not opened. */
  unopened(): Store;
  /** Everything the site keeps (files, or every row of every table), as text to search. */
  persistedText(): Promise<string>;
  destroy(): Promise<void>;
}

export interface StoreHarness {
  name: string;
  /** Runs once before the suite (PostgreSQL: fails clearly when the server is unreachable). */
  check(): Promise<void>;
  create(): Promise<StoreSite>;
}

export const embeddedHarness: StoreHarness = {
  name: 'EmbeddedStore',
  async check() {},
  async create() {
    const dir = await makeTempDir();
    return {
      async open() {
        const store = new EmbeddedStore({ dataDir: dir });
        await store.open();
        return store;
      },
      unopened: () => new EmbeddedStore({ dataDir: dir }),
      persistedText: () => filesText(dir),
      destroy: () => removeDir(dir),
    };
  },
};

async function filesText(dir: string): Promise<string> {
  const texts: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) texts.push(await readFile(path.join(entry.parentPath, entry.name), 'utf8').catch(() => ''));
  }
  return texts.join('\n');
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL
// ---------------------------------------------------------------------------------------------

export const TEST_DATABASE_URL = process.env.PUENTE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Connects to the test database or fails with what to do about it: these tests never skip silently. */
export async function connectTestDatabase(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new Error(
      `PostgreSQL is not reachable at ${TEST_DATABASE_URL.replace(/\/\/[^@/]*@/, '//…@')} (${(error as Error).message}). ` +
        'The PostgreSQL store tests need a server: start it (.ci/run does: pg_ctlcluster … main start) or set PUENTE_TEST_DATABASE_URL.',
    );
  }
  return client;
}

/** A fresh schema, unique to this process and call, so parallel runs do not collide; dropped by the returned function. */
export async function createTestSchema(): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `puente_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const client = await connectTestDatabase();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
  return {
    schema,
    async drop() {
      const admin = await connectTestDatabase();
      try {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
}

export function postgresOptions(schema: string, options: Partial<PostgresStoreOptions> = {}): PostgresStoreOptions {
  return { connectionString: TEST_DATABASE_URL, schema, lockWaitMs: 2000, poolSize: 4, ...options };
}

export const postgresHarness: StoreHarness = {
  name: 'PostgresStore',
  async check() {
    await (await connectTestDatabase()).end();
  },
  async create() {
    const { schema, drop } = await createTestSchema();
    return {
      async open(options = {}) {
        const store = new PostgresStore(postgresOptions(schema, options));
        await store.open();
        return store;
      },
      unopened: () => new PostgresStore(postgresOptions(schema)),
      persistedText: () => schemaText(schema),
      destroy: drop,
    };
  },
};

/** Every row of every table in `schema` as text (bodies decoded from bytea). */
export async function schemaText(schema: string): Promise<string> {
  const client = await connectTestDatabase();
  try {
    const tables = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name",
      [schema],
    );
    const texts: string[] = [];
    for (const { table_name: table } of tables.rows) {
      const rows = await client.query<{ t: string }>(`SELECT t::text AS t FROM ${schema}.${table} t`);
      texts.push(...rows.rows.map((row) => row.t));
    }
    const bodies = await client.query<{ body: string }>(`SELECT convert_from(body, 'UTF8') AS body FROM ${schema}.puente_inbox`).catch(() => ({ rows: [] }));
    texts.push(...bodies.rows.map((row) => row.body));
    return texts.join('\n');
  } finally {
    await client.end();
  }
}
