/**
 * Load generation for the end-to-end benchmark: a keep-alive HTTP client (undici's Pool when it
 * can be imported, else node:http with a keep-alive Agent), pre-signed WhatsApp webhook bodies,
 * and two bounded drivers — a fixed-concurrency closed loop and a fixed-rate open loop.
 */
import http from 'node:http';
import { signBody } from '../adapters/whatsapp/signature.js';
import { newWamid } from '../sandbox/emulators/whatsapp/ids.js';
import { textWebhook } from '../test/helpers/webhooks.js';
import { APP_SECRET, type BenchNumber } from './stack.js';

// ---------------------------------------------------------------------------------------------
// HTTP client
// ---------------------------------------------------------------------------------------------

export interface Poster {
  /** Which client is in use, for the report. */
  readonly kind: string;
  /** POSTs `body` and resolves with the HTTP status once the whole answer is read (0 = no answer). */
  post(path: string, headers: Record<string, string>, body: Buffer): Promise<number>;
  close(): Promise<void>;
}

/** The part of undici's Pool this file uses (undici is only a transitive dependency: no static import). */
interface UndiciPool {
  request(options: { path: string; method: string; headers: Record<string, string>; body: Buffer }): Promise<{
    statusCode: number;
    body: { dump(): Promise<void> };
  }>;
  close(): Promise<void>;
}

type UndiciModule = { Pool: new (origin: string, options: Record<string, unknown>) => UndiciPool };

export async function createPoster(origin: string, connections: number): Promise<Poster> {
  const specifier = 'undici';
  let undici: UndiciModule | undefined;
  if (process.env.BENCH_HTTP_CLIENT !== 'node') {
    try {
      undici = (await import(specifier)) as UndiciModule;
    } catch {
      undici = undefined;
    }
  }
  if (undici?.Pool) {
    const pool = new undici.Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
    return {
      kind: `undici Pool (${connections} keep-alive connections)`,
      async post(path, headers, body) {
        try {
          const response = await pool.request({ path, method: 'POST', headers, body });
          await response.body.dump();
          return response.statusCode;
        } catch {
          return 0;
        }
      },
      close: () => pool.close(),
    };
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const base = new URL(origin);
  return {
    kind: `node:http keep-alive Agent (${connections} sockets)`,
    post(path, headers, body) {
      return new Promise((resolve) => {
        const request = http.request(
          { host: base.hostname, port: base.port, path, method: 'POST', agent, headers: { ...headers, 'content-length': String(body.length) } },
          (response) => {
            response.resume();
            response.on('end', () => resolve(response.statusCode ?? 0));
            response.on('error', () => resolve(response.statusCode ?? 0));
          },
        );
        request.setTimeout(30_000, () => request.destroy(new Error('timeout')));
        request.on('error', () => resolve(0));
        request.end(body);
      });
    },
    async close() {
      agent.destroy();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Webhook bodies
// ---------------------------------------------------------------------------------------------

export interface SignedWebhook {
  wamid: string;
  /** `1001/wa:34600000042`: the bridge's conversation id. */
  conversation: string;
  body: Buffer;
  headers: Record<string, string>;
}

export function customerWaId(index: number): string {
  return `3460${String(index).padStart(7, '0')}`;
}

/** A signed text-message webhook from customer `customerIndex`, as Meta would POST it. */
export function signedTextWebhook(number: BenchNumber, customerIndex: number, text: string): SignedWebhook {
  const waId = customerWaId(customerIndex);
  const wamid = newWamid(waId); // shaped like Meta's: `wamid.` + base64 of a small record
  const { body } = textWebhook(
    { phoneNumberId: number.phoneNumberId, displayNumber: number.displayNumber, wabaId: '102290129340398' },
    { waId, name: `Cliente ${customerIndex}` },
    text,
    { wamid },
  );
  const bytes = Buffer.from(body, 'utf8');
  return {
    wamid,
    conversation: `${number.phoneNumberId}/wa:${waId}`,
    body: bytes,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'facebookexternalua',
      'x-hub-signature-256': signBody(bytes, APP_SECRET),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Drivers
// ---------------------------------------------------------------------------------------------

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `task(0…count-1)` with `concurrency` tasks in flight, stopping early (no new tasks) once
 * `maxMs` has passed. Resolves when every started task has finished.
 */
export async function closedLoop(count: number, concurrency: number, maxMs: number, task: (index: number) => Promise<void>): Promise<{ started: number }> {
  const deadline = performance.now() + maxMs;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count && performance.now() < deadline) {
      const index = next++;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { started: next };
}

/**
 * Open loop: starts `task(i)` at `start + i / rate`, whatever earlier tasks are doing, for `count`
 * tasks or until `maxMs` has passed. Resolves when every started task has finished; reports how late
 * the driver itself started tasks (a late driver means this process, not the bridge, was the limit).
 */
export async function openLoop(
  count: number,
  ratePerSecond: number,
  maxMs: number,
  task: (index: number) => Promise<void>,
): Promise<{ started: number; maxStartLagMs: number; elapsedMs: number }> {
  const start = performance.now();
  const deadline = start + maxMs;
  const running: Promise<void>[] = [];
  let started = 0;
  let maxStartLagMs = 0;
  while (started < count && performance.now() < deadline) {
    const now = performance.now();
    const due = Math.min(count, Math.floor(((now - start) * ratePerSecond) / 1000) + 1);
    for (; started < due; started++) {
      maxStartLagMs = Math.max(maxStartLagMs, now - (start + (started * 1000) / ratePerSecond));
      running.push(task(started));
    }
    const nextAt = start + (started * 1000) / ratePerSecond;
    await sleep(Math.max(0, Math.min(5, nextAt - performance.now())));
  }
  const elapsedMs = performance.now() - start;
  await Promise.all(running);
  return { started, maxStartLagMs, elapsedMs };
}
