/**
 * What only the PostgreSQL store has: the writer lock (one bridge per schema), migrations, and
 * configuration through DATABASE_URL alone. The Store contract itself is in store-contract.test.ts.
 */
import { expect } from 'chai';
import { silentLogger } from '../../bot/logger.js';
import { ConfigError, loadConfig } from '../../config/load.js';
import { createStore } from '../../storage/index.js';
import { PostgresStore } from '../../storage/postgres/postgres-store.js';
import { SCHEMA_VERSION } from '../../storage/postgres/schema.js';
import { DatabaseInUseError } from '../../storage/postgres/writer-lock.js';
import { inboundMessage } from './helpers.js';
import { connectTestDatabase, createTestSchema, postgresOptions, TEST_DATABASE_URL } from './store-harness.js';

/** The backend holding `schema`'s writer lock (the key writer-lock.ts derives). */
async function lockHolderPid(schema: string, lockName = 'puente'): Promise<number | undefined> {
  const client = await connectTestDatabase();
  try {
    const { rows } = await client.query<{ pid: number }>(
      `WITH k AS (SELECT hashtextextended($1, 0) AS v)
       SELECT l.pid FROM pg_locks l, k
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND l.classid::bigint = ((k.v >> 32) & 4294967295) AND l.objid::bigint = (k.v & 4294967295)`,
      [`puente:${schema}:${lockName}`],
    );
    return rows[0]?.pid;
  } finally {
    await client.end();
  }
}

describe('PostgresStore', function () {
  this.timeout(30_000);
  let schema: string;
  let drop: () => Promise<void>;
  const opened: PostgresStore[] = [];

  async function open(options: Parameters<typeof postgresOptions>[1] = {}): Promise<PostgresStore> {
    const store = new PostgresStore(postgresOptions(schema, options));
    await store.open();
    opened.push(store);
    return store;
  }

  before(async () => (await connectTestDatabase()).end());
  beforeEach(async () => {
    ({ schema, drop } = await createTestSchema());
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await drop();
  });

  describe('writer lock', () => {
    it('refuses a second bridge on the same schema, naming the process that holds it', async () => {
      await open();
      const startedAt = Date.now();
      let refused: unknown;
      await open({ lockWaitMs: 300 }).catch((error: unknown) => (refused = error));
      expect(refused).to.be.instanceOf(DatabaseInUseError);
      expect(String(refused)).to.contain(`${schema}/puente`).and.match(/backend pid \d+, "puente [^"]* pid \d+"/);
      expect(Date.now() - startedAt).to.be.at.least(300);
    });

    it('waits for a lock released while it waits (a predecessor still shutting down)', async () => {
      const first = await open();
      setTimeout(() => void first.close(), 300);
      const second = await open({ lockWaitMs: 5000 });
      expect(await second.countMessages()).to.equal(0);
    });

    it('keys the lock on schema and name: other schemas and other lock names are not blocked', async () => {
      await open();
      const other = await createTestSchema();
      try {
        const elsewhere = new PostgresStore(postgresOptions(other.schema, { lockWaitMs: 0 }));
        await elsewhere.open();
        await elsewhere.close();
      } finally {
        await other.drop();
      }
      const renamed = await open({ lockName: 'second-bridge', lockWaitMs: 0 });
      expect(await renamed.countConversations()).to.equal(0);
    });

    it('stops using the database once its lock session is gone, and another bridge can take over', async () => {
      let lostWith: Error | undefined;
      const first = await open({ onLockLost: (error) => (lostWith = error) });
      await first.insertMessage(inboundMessage('wamid.before'));
      const pid = await lockHolderPid(schema);
      expect(pid).to.be.a('number');
      const admin = await connectTestDatabase();
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      await admin.end();
      for (let waited = 0; !lostWith && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(lostWith, 'onLockLost called').to.be.instanceOf(Error);

      let refused: unknown;
      await first.insertMessage(inboundMessage('wamid.after')).catch((error: unknown) => (refused = error));
      expect(String(refused)).to.match(/writer lock was lost.*restart the bridge/);

      const second = await open({ lockWaitMs: 0 });
      expect(await second.getMessage('wamid.before')).to.not.equal(undefined);
      expect(await second.getMessage('wamid.after')).to.equal(undefined);
    });
  });

  describe('schema', () => {
    it('migrates once and keeps the database identity across opens', async () => {
      const first = await open();
      const meta = first.meta;
      expect(meta.schemaVersion).to.equal(SCHEMA_VERSION);
      expect(meta.instanceId).to.match(/^[0-9a-f-]{36}$/);
      await first.close();
      const second = await open();
      expect(second.meta).to.deep.equal(meta);
    });

    it('refuses a database migrated by a newer Puente, and releases the lock', async () => {
      await (await open()).close();
      const admin = await connectTestDatabase();
      await admin.query(`UPDATE ${schema}.puente_meta SET value = $1 WHERE key = 'schema_version'`, [String(SCHEMA_VERSION + 1)]);
      await admin.end();
      let refused: unknown;
      await open().catch((error: unknown) => (refused = error));
      expect(String(refused)).to.match(/migrated by a newer Puente/);
      expect(await lockHolderPid(schema)).to.equal(undefined);
    });

    it('says what is wrong when the search_path names no schema', async () => {
      let refused: unknown;
      const store = new PostgresStore(postgresOptions(`${schema}_missing`));
      await store.open().catch((error: unknown) => (refused = error));
      expect(String(refused)).to.match(/no schema to work in/);
    });
  });

  it('is configured by DATABASE_URL alone (createStore), with the schema in the URL', async () => {
    const url = new URL(TEST_DATABASE_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const store = createStore({ dataDir: '/unused', logger: silentLogger(), databaseUrl: url.toString(), onLockLost: () => undefined });
    expect(store).to.be.instanceOf(PostgresStore);
    await store.open();
    try {
      await store.insertMessage(inboundMessage('wamid.url'));
    } finally {
      await store.close();
    }
    const admin = await connectTestDatabase();
    const { rows } = await admin.query(`SELECT key FROM ${schema}.puente_messages`);
    await admin.end();
    expect(rows).to.deep.equal([{ key: 'wamid.url' }]);
  });
});

describe('DATABASE_URL configuration', () => {
  const env = {
    WHATSAPP_ACCESS_TOKEN: 'EAAG-token',
    WHATSAPP_APP_SECRET: 'app-secret',
    WHATSAPP_VERIFY_TOKEN: 'verify-me',
    WHATSAPP_PHONE_NUMBER_ID: '1065',
    SLACK_BOT_TOKEN: 'xoxb-1',
    SLACK_SIGNING_SECRET: 'signing',
    SLACK_CHANNEL_ID: 'C123',
  };

  it('is read with DATABASE_LOCK_NAME, and absent without them', () => {
    const config = loadConfig({ ...env, DATABASE_URL: 'postgres://puente@db:5432/puente?sslmode=require', DATABASE_LOCK_NAME: 'eu' });
    expect(config).to.deep.include({ databaseUrl: 'postgres://puente@db:5432/puente?sslmode=require', databaseLockName: 'eu' });
    const plain = loadConfig(env);
    expect(plain).to.not.have.property('databaseUrl');
    expect(plain).to.not.have.property('databaseLockName');
  });

  it('refuses a URL that is not PostgreSQL', () => {
    expect(() => loadConfig({ ...env, DATABASE_URL: 'mysql://db/puente' })).to.throw(ConfigError, /DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/);
  });
});
