import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { silentLogger } from '../../bot/logger.js';
import { EmbeddedStore } from '../../storage/embedded/embedded-store.js';
import { SCHEMA_VERSION } from '../../storage/embedded/state-file.js';
import { createStore, PostgresStore } from '../../storage/index.js';
import { makeTempDir, openStore, removeDir } from './helpers.js';

describe('EmbeddedStore small state (lowdb)', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(() => removeDir(dir));

  it('creates meta once and keeps it across restarts', async () => {
    const first = await openStore(dir);
    const meta = first.meta;
    expect(meta.schemaVersion).to.equal(SCHEMA_VERSION);
    expect(meta.instanceId).to.match(/^[0-9a-f-]{36}$/);
    await first.close();

    const second = await openStore(dir);
    expect(second.meta).to.deep.equal(meta);
    await second.close();
  });

  it('stores values durably in state.json and hands out copies', async () => {
    const store = await openStore(dir);
    const blocked = ['wa:111', 'wa:222'];
    await store.setState('blockList', blocked);
    blocked.push('wa:333');
    expect(store.getState<string[]>('blockList')).to.deep.equal(['wa:111', 'wa:222']);
    expect(store.getState('missing')).to.equal(undefined);
    const onDisk = JSON.parse(await readFile(path.join(dir, 'state.json'), 'utf8')) as Record<string, unknown>;
    expect(onDisk.blockList).to.deep.equal(['wa:111', 'wa:222']);
    await store.close();

    const reopened = await openStore(dir);
    expect(reopened.getState<string[]>('blockList')).to.deep.equal(['wa:111', 'wa:222']);
    await reopened.close();
  });

  it('keeps every concurrent setState', async () => {
    const store = await openStore(dir);
    await Promise.all(Array.from({ length: 20 }, (_, n) => store.setState(`k${n}`, n)));
    await store.close();
    const reopened = await openStore(dir);
    expect(Array.from({ length: 20 }, (_, n) => reopened.getState<number>(`k${n}`))).to.deep.equal([...Array(20).keys()]);
    await reopened.close();
  });

  it('protects meta and refuses a data directory from a newer version', async () => {
    const store = await openStore(dir);
    let error: unknown;
    await store.setState('meta', {}).catch((caught: unknown) => (error = caught));
    expect(String(error)).to.match(/managed by the store/);
    await store.close();

    const file = path.join(dir, 'state.json');
    const document = JSON.parse(await readFile(file, 'utf8')) as { meta: { schemaVersion: number } };
    document.meta.schemaVersion = SCHEMA_VERSION + 1;
    await writeFile(file, JSON.stringify(document));
    error = undefined;
    await new EmbeddedStore({ dataDir: dir }).open().catch((caught: unknown) => (error = caught));
    expect(String(error)).to.match(/newer Puente/);
  });
});

describe('createStore', () => {
  it('returns the embedded store without a database URL', async () => {
    const dir = await makeTempDir();
    try {
      const store = createStore({ dataDir: dir, logger: silentLogger() });
      expect(store).to.be.instanceOf(EmbeddedStore);
      await store.open();
      expect(await store.countMessages()).to.equal(0);
      await store.close();
    } finally {
      await removeDir(dir);
    }
  });

  it('returns the PostgreSQL store when a database URL is set, connecting only at open', () => {
    const store = createStore({ dataDir: '/unused', logger: silentLogger(), databaseUrl: 'postgres://db.invalid/puente' });
    expect(store).to.be.instanceOf(PostgresStore);
  });
});
