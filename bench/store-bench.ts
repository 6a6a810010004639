/**
 * Storage benchmarks. They print figures instead of asserting them: timing assertions on a shared,
 * noisy machine fail for reasons that have nothing to do with the code.
 *
 *   node --import tsx bench/store-bench.ts [--dir D] [--small 1000] [--large 100000] [--samples 500]
 *                                          [--no-fsync] [--inbox-rate 1000] [--inbox-seconds 5]
 *
 * The CLI runs, each in a fresh temp dir unless --dir is given:
 *   1. measureStoreWrites: single-insert latency at `small` and at `large` stored messages;
 *   2. a reopen of that store in a fresh process: open time and resident memory after loading;
 *   3. measureInboxAcks: webhook-style appendInbox at a fixed rate, each followed by completeInbox.
 *
 * With --postgres URL it runs only measurePostgresStoreWrites: the same write figure for the
 * PostgreSQL store, in a fresh schema on that server.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Conversation } from '../bot/types.js';
import { EmbeddedStore } from '../storage/embedded/embedded-store.js';
import { PostgresStore } from '../storage/postgres/postgres-store.js';
import type { MessageRecord, Store } from '../storage/store.js';

export interface LatencySummary {
  p50: number;
  p99: number;
  mean: number;
}

export interface StoreWriteFigures {
  /** Single awaited insertMessage at `small` stored messages, in microseconds. */
  smallMicros: LatencySummary;
  largeMicros: LatencySummary;
  /** largeMicros.p50 / smallMicros.p50: about 1 when a write's cost does not grow with the data. */
  ratio: number;
}

/** How many inserts are in flight while filling: enough to fill group commits, little enough for memory. */
const FILL_BATCH = 1000;
const CONVERSATIONS = 10_000;

export async function measureStoreWrites(opts: {
  dataDir: string;
  small: number;
  large: number;
  samples: number;
  fsync?: boolean;
}): Promise<StoreWriteFigures> {
  const store = new EmbeddedStore({ dataDir: opts.dataDir, fsync: opts.fsync ?? true });
  await store.open();
  try {
    await saveConversations(store, CONVERSATIONS);
    let stored = await store.countMessages();
    stored = await fillMessages(store, stored, opts.small);
    const smallMicros = await timeSingleInserts(store, stored, opts.samples);
    stored += opts.samples;
    stored = await fillMessages(store, stored, opts.large);
    const largeMicros = await timeSingleInserts(store, stored, opts.samples);
    return { smallMicros, largeMicros, ratio: Math.round((largeMicros.p50 / smallMicros.p50) * 100) / 100 };
  } finally {
    await store.close();
  }
}

/**
 * The same figure for the PostgreSQL store: single awaited insertMessage (one COMMIT each) at `small`
 * and at `large` stored messages, in a fresh schema that is dropped afterwards. Needs a server
 * (`connectionString`, for example postgres://postgres@127.0.0.1:5432/test).
 */
export async function measurePostgresStoreWrites(opts: {
  connectionString: string;
  small: number;
  large: number;
  samples: number;
}): Promise<StoreWriteFigures> {
  const pg = (await import('pg')).default;
  const schema = `puente_bench_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: opts.connectionString });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const store = new PostgresStore({ connectionString: opts.connectionString, schema, lockWaitMs: 0 });
  try {
    await store.open();
    await saveConversations(store, CONVERSATIONS);
    let stored = await fillMessages(store, 0, opts.small);
    const smallMicros = await timeSingleInserts(store, stored, opts.samples);
    stored += opts.samples;
    stored = await fillMessages(store, stored, opts.large);
    await admin.query(`ANALYZE ${schema}.puente_messages`);
    const largeMicros = await timeSingleInserts(store, stored, opts.samples);
    return { smallMicros, largeMicros, ratio: Math.round((largeMicros.p50 / smallMicros.p50) * 100) / 100 };
  } finally {
    await store.close();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}

export interface InboxAckFigures {
  offered: number;
  /** Webhooks acknowledged per second of wall time. */
  achievedRate: number;
  /** From the moment a webhook was due to the moment appendInbox resolved, in milliseconds (includes the load loop's own lag). */
  ackMillis: LatencySummary & { max: number };
  /** From the appendInbox call to its resolution: the latency the store adds. */
  ackMillisFromCall: LatencySummary & { max: number };
  /** Process CPU time over wall time (1.0 = one core busy). */
  cpuCores: number;
  /** Bytes left in DATA_DIR/inbox once everything was completed. */
  inboxBytesAfter: number;
}

/** Offers `rate` webhooks per second for `seconds`; each is completed right after it is acknowledged. */
export async function measureInboxAcks(opts: {
  dataDir: string;
  rate: number;
  seconds: number;
  bodyBytes?: number;
  fsync?: boolean;
}): Promise<InboxAckFigures> {
  const store = new EmbeddedStore({ dataDir: opts.dataDir, fsync: opts.fsync ?? true });
  await store.open();
  const body = JSON.stringify({ object: 'whatsapp_business_account', pad: 'x'.repeat(opts.bodyBytes ?? 2000) });
  const total = Math.round(opts.rate * opts.seconds);
  const fromDue: number[] = [];
  const fromCall: number[] = [];
  const work: Promise<void>[] = [];
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  let issued = 0;
  while (issued < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * opts.rate) / 1000) + 1);
    for (; issued < due; issued += 1) {
      const dueAt = start + (issued * 1000) / opts.rate;
      const calledAt = performance.now();
      work.push(
        store.appendInbox('whatsapp', body, Date.now()).then((item) => {
          const ackedAt = performance.now();
          fromDue.push(ackedAt - dueAt);
          fromCall.push(ackedAt - calledAt);
          return store.completeInbox(item.id);
        }),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(work);
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuBefore);
  await store.close();
  return {
    offered: total,
    achievedRate: round((total * 1000) / wallMs),
    ackMillis: { ...summarise(fromDue), max: round(Math.max(...fromDue)) },
    ackMillisFromCall: { ...summarise(fromCall), max: round(Math.max(...fromCall)) },
    cpuCores: round((cpu.user + cpu.system) / 1000 / wallMs),
    inboxBytesAfter: await directoryBytes(path.join(opts.dataDir, 'inbox')),
  };
}

/** Opens an existing store and reports how long loading took and the memory it holds afterwards. */
export async function measureOpen(
  dataDir: string,
): Promise<{ openMillis: number; messages: number; rssMiB: number; peakRssMiB: number; heapMiB: number }> {
  const start = performance.now();
  const store = new EmbeddedStore({ dataDir });
  await store.open();
  const openMillis = performance.now() - start;
  const messages = await store.countMessages();
  (globalThis as { gc?: () => void }).gc?.();
  const memory = process.memoryUsage();
  await store.close();
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  return { openMillis: round(openMillis), messages, rssMiB: round(memory.rss / 2 ** 20), peakRssMiB: round(peakRssMiB), heapMiB: round(memory.heapUsed / 2 ** 20) };
}

// ---------------------------------------------------------------------------------------------

async function saveConversations(store: Store, count: number): Promise<void> {
  for (let first = 0; first < count; first += FILL_BATCH) {
    const batch = [];
    for (let n = first; n < Math.min(count, first + FILL_BATCH); n += 1) batch.push(store.saveConversation(sampleConversation(n)));
    await Promise.all(batch);
  }
}

/** Inserts messages numbered `from`… until `to` are stored; returns the new count. */
async function fillMessages(store: Store, from: number, to: number): Promise<number> {
  for (let first = from; first < to; first += FILL_BATCH) {
    const batch = [];
    for (let n = first; n < Math.min(to, first + FILL_BATCH); n += 1) batch.push(store.insertMessage(sampleMessage(n)));
    await Promise.all(batch);
  }
  return Math.max(from, to);
}

async function timeSingleInserts(store: Store, firstNumber: number, samples: number): Promise<LatencySummary> {
  const micros: number[] = [];
  for (let n = firstNumber; n < firstNumber + samples; n += 1) {
    const record = sampleMessage(n);
    const start = process.hrtime.bigint();
    await store.insertMessage(record);
    micros.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  return summarise(micros);
}

function summarise(values: number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return { p50: round(at(0.5)), p99: round(at(0.99)), mean: round(mean) };
}

const round = (value: number): number => Math.round(value * 10) / 10;

function sampleConversation(n: number): Conversation {
  return {
    id: `conv-${n}`,
    numberId: '106540352242922',
    customerKey: `wa:4915${String(n).padStart(9, '0')}`,
    customer: { waId: `4915${String(n).padStart(9, '0')}`, name: `Customer ${n}` },
    thread: { adapter: 'slack', channel: 'C0123456789', id: `1712345678.${String(n).padStart(6, '0')}` },
    createdAt: 1_712_345_678_000 + n,
    lastInboundAt: 1_712_345_678_000 + n,
  };
}

/** Shaped like a real inbound record: wamid-sized key, Slack ref, an excerpt of typical length. */
function sampleMessage(n: number): MessageRecord {
  const wamid = `wamid.HBgNNDkxNTEyMzQ1Njc4ORUCABIYIDNBMEY${String(n).padStart(10, '0')}AA==`;
  return {
    key: wamid,
    direction: 'in',
    conversationId: `conv-${n % CONVERSATIONS}`,
    wamids: [wamid],
    chat: { adapter: 'slack', channel: 'C0123456789', id: `1712345679.${String(n).padStart(6, '0')}`, threadId: '1712345678.000001' },
    excerpt: `Hola, quería preguntar por mi pedido número ${n}. `.repeat(3).slice(0, 160),
    at: 1_712_345_679_000 + n,
  };
}

async function directoryBytes(dir: string): Promise<number> {
  let bytes = 0;
  for (const name of await readdir(dir)) bytes += (await stat(path.join(dir, name))).size;
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------------

function openInFreshProcess(dataDir: string): Promise<string> {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', script, '--open-only', dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve(output.trim()) : reject(new Error(`open-only run exited with ${code}`)))),
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string' },
      small: { type: 'string', default: '1000' },
      large: { type: 'string', default: '100000' },
      samples: { type: 'string', default: '500' },
      'no-fsync': { type: 'boolean', default: false },
      'inbox-rate': { type: 'string', default: '1000' },
      'inbox-seconds': { type: 'string', default: '5' },
      'open-only': { type: 'string' },
      /** Measure the PostgreSQL store's writes instead (a server URL), and nothing else. */
      postgres: { type: 'string' },
    },
  });
  if (values.postgres) {
    const writes = await measurePostgresStoreWrites({
      connectionString: values.postgres,
      small: Number(values.small),
      large: Number(values.large),
      samples: Number(values.samples),
    });
    console.log('postgres store writes (µs)', JSON.stringify(writes));
    return;
  }
  if (values['open-only']) {
    console.log(JSON.stringify(await measureOpen(values['open-only'])));
    return;
  }
  const fsync = !values['no-fsync'];
  const dataDir = values.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'puente-bench-')));
  const inboxDir = await mkdtemp(path.join(os.tmpdir(), 'puente-bench-inbox-'));
  try {
    const writes = await measureStoreWrites({
      dataDir,
      small: Number(values.small),
      large: Number(values.large),
      samples: Number(values.samples),
      fsync,
    });
    console.log('store writes (µs)', JSON.stringify(writes));
    console.log('reopen in a fresh process', await openInFreshProcess(dataDir));
    const inbox = await measureInboxAcks({
      dataDir: inboxDir,
      rate: Number(values['inbox-rate']),
      seconds: Number(values['inbox-seconds']),
      fsync,
    });
    console.log('inbox acks', JSON.stringify(inbox));
  } finally {
    if (!values.dir) await rm(dataDir, { recursive: true, force: true });
    await rm(inboxDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
