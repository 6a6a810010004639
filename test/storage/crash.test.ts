import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { EmbeddedStore } from '../../storage/embedded/embedded-store.js';
import type { InboxRecord, MainRecord } from '../../storage/embedded/records.js';
import { CRASH_STORE_OPTIONS } from './fixtures/crash-options.js';
import type { Store } from '../../storage/store.js';
import { PostgresStore } from '../../storage/postgres/postgres-store.js';
import { makeTempDir, removeDir } from './helpers.js';
import { connectTestDatabase, createTestSchema, postgresOptions } from './store-harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const writerScript = path.join(here, 'fixtures', 'crash-writer.ts');

/** Runs the writer, SIGKILLs it a random 100–400 ms after it is ready, returns the complete lines it printed. */
async function runAndKill(dataDir: string, run: string): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', writerScript, dataDir, run], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    if (!stdout.includes('ready\n') && (stdout + chunk).includes('ready\n')) {
      setTimeout(() => child.kill('SIGKILL'), 100 + Math.random() * 300);
    }
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  expect(exit.signal, `writer ended on its own (code ${exit.code}): ${stderr}`).to.equal('SIGKILL');
  // A line cut off by the kill was never completely reported: ignore it.
  return stdout.split('\n').slice(0, -1);
}

async function journalRecords<T>(dir: string): Promise<T[]> {
  const records: T[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const text = await readFile(path.join(dir, name), 'utf8');
    for (const line of text.split('\n')) if (line) records.push(JSON.parse(line) as T);
  }
  return records;
}

function duplicates(values: string[]): string[] {
  const seen = new Set<string>();
  return values.filter((value) => seen.has(value) || !seen.add(value));
}

/** Every write the writer reported (it printed a line only after the write resolved) is in `store`, once. */
async function expectAcknowledgedWrites(store: Store, lines: string[]): Promise<void> {
  const reported = (kind: string): string[] => lines.filter((line) => line.startsWith(`${kind} `)).map((line) => line.slice(kind.length + 1));
  expect(reported('m').length, 'the writer made progress in both runs').to.be.greaterThan(20);
  expect(reported('m').some((tag) => tag.startsWith('r2-'))).to.equal(true);
  for (const tag of reported('m')) expect(await store.getMessage(tag), `message ${tag}`).to.not.equal(undefined);

  const pendingInbox = (await store.pendingInbox()).map((item) => (JSON.parse(item.body) as { tag: string }).tag);
  expect(duplicates(pendingInbox), 'duplicated inbox items').to.deep.equal([]);
  const completionStarted = new Set(reported('ic-start'));
  const pendingSet = new Set(pendingInbox);
  for (const tag of reported('i')) {
    if (!completionStarted.has(tag)) expect(pendingSet.has(tag), `inbox item ${tag} pending`).to.equal(true);
  }

  const pendingOutbox = new Set((await store.pendingOutbox()).map((item) => item.id));
  for (const tag of reported('o')) {
    const known = pendingOutbox.has(tag) || (await store.getOutboxResult(tag)) !== undefined;
    expect(known, `outbox item ${tag}`).to.equal(true);
  }
  for (const tag of reported('oc')) {
    expect(await store.getOutboxResult(tag), `outbox result ${tag}`).to.deep.equal({ ok: true, wamid: `wamid.out.${tag}` });
    expect(pendingOutbox.has(tag)).to.equal(false);
  }
}

describe('EmbeddedStore under kill -9', function () {
  this.timeout(20_000);
  let dir: string;

  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(() => removeDir(dir));

  it('keeps every acknowledged write and duplicates nothing across two crashes', async () => {
    const lines = [...(await runAndKill(dir, 'r1')), ...(await runAndKill(dir, 'r2'))];
    const store = new EmbeddedStore({ dataDir: dir, ...CRASH_STORE_OPTIONS });
    await store.open();
    try {
      await expectAcknowledgedWrites(store, lines);
    } finally {
      await store.close();
    }

    // On disk, not just in memory: no record was written twice.
    const main = await journalRecords<MainRecord>(path.join(dir, 'journal'));
    const messageKeys = main.flatMap((record) => (record.t === 'message' ? [record.message.key] : []));
    const outboxIds = main.flatMap((record) => (record.t === 'outbox' ? record.items.map((item) => item.id) : []));
    expect(duplicates(messageKeys), 'duplicated message records').to.deep.equal([]);
    expect(duplicates(outboxIds), 'duplicated outbox records').to.deep.equal([]);
    const inbox = await journalRecords<InboxRecord>(path.join(dir, 'inbox'));
    const inboxIds = inbox.flatMap((record) => (record.t === 'inbox' ? [record.item.id] : []));
    expect(duplicates(inboxIds), 'duplicated inbox records').to.deep.equal([]);
  });
});

describe('PostgresStore under kill -9', function () {
  this.timeout(40_000);
  let schema: { schema: string; drop(): Promise<void> };

  before(async () => (await connectTestDatabase()).end());
  beforeEach(async () => {
    schema = await createTestSchema();
  });
  afterEach(() => schema.drop());

  it('keeps every committed write, and the next process takes over the lock of the killed one', async () => {
    const lines = [...(await runAndKill(`pg:${schema.schema}`, 'r1')), ...(await runAndKill(`pg:${schema.schema}`, 'r2'))];
    const store = new PostgresStore(postgresOptions(schema.schema, { lockWaitMs: 10_000 }));
    await store.open();
    try {
      await expectAcknowledgedWrites(store, lines);
    } finally {
      await store.close();
    }
  });
});
