/**
 * Teams throttles each bot per thread — 7 sends a second, 8 in 2 s, 60 in 30 s, 1,800 an hour —
 * and each app per tenant at about 50 requests a second (reference teams.md §7). Every Bot Connector
 * call first takes a slot in its conversation's windows and in the tenant's: callers wait in line
 * (first come, first served per conversation, so order is kept) and nothing is dropped. A wait longer
 * than `maxQueueMs`, or a hold Teams asked for (429 / 412 with `Retry-After`) that is still long, is
 * answered with a `RetryableChatError` carrying `retryAfterMs`: the core's durable retry holds the
 * work and brings it back once the window has passed (the same shape as adapters/cliq/pacer.ts).
 */
import { RetryableChatError } from '../../bot/chat-adapter.js';

/** A call the pacer held back: it never reached Teams. */
export class TeamsPacedError extends RetryableChatError {
  constructor(message: string, retryAfterMs: number) {
    super(message, retryAfterMs);
    this.name = 'TeamsPacedError';
  }
}

export interface RateWindow {
  count: number;
  ms: number;
}

/** Per bot per thread (teams.md §7), less one a second for safety. */
export const THREAD_WINDOWS: readonly RateWindow[] = [
  { count: 6, ms: 1_000 },
  { count: 8, ms: 2_000 },
  { count: 60, ms: 30_000 },
  { count: 1_800, ms: 3_600_000 },
];
/** Per app per tenant: 50 RPS published, a margin kept for the bot's other calls. */
export const TENANT_WINDOWS: readonly RateWindow[] = [{ count: 45, ms: 1_000 }];

export interface TeamsPacerOptions {
  thread?: readonly RateWindow[];
  tenant?: readonly RateWindow[];
  /** Longest a call waits in the adapter for its slot before handing the wait to the core. */
  maxQueueMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class TeamsPacer {
  private readonly thread: readonly RateWindow[];
  private readonly tenant: readonly RateWindow[];
  readonly maxQueueMs: number;
  private readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Slot times taken (past, and reserved in the near future), per conversation: ascending. */
  private readonly taken = new Map<string, number[]>();
  private global: number[] = [];
  private readonly heldUntil = new Map<string, number>();
  private readonly longest: number;

  constructor(options: TeamsPacerOptions = {}) {
    this.thread = options.thread ?? THREAD_WINDOWS;
    this.tenant = options.tenant ?? TENANT_WINDOWS;
    this.maxQueueMs = options.maxQueueMs ?? 20_000;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.longest = Math.max(0, ...this.thread.map((window) => window.ms));
  }

  /** Waits for a slot for `conversation` (a thread, a channel, a personal chat); throws RetryableChatError when the wait would be long. */
  async acquire(conversation: string): Promise<void> {
    const now = this.now();
    const held = this.heldUntil.get(conversation) ?? 0;
    let at = Math.max(now, held);
    const own = this.prune(conversation, now);
    at = Math.max(at, ownSlot(own, this.thread, at));
    at = globalSlot(this.global, this.tenant, at);
    if (at - now > this.maxQueueMs) throw new TeamsPacedError(`Teams rate limit for this conversation: waiting ${Math.ceil((at - now) / 1000)} s`, at - now);
    own.push(at);
    this.taken.set(conversation, own);
    insertSorted(this.global, at);
    if (at > now) await this.sleep(at - now);
  }

  /** Teams answered 429 / 412 with `Retry-After`: nothing more goes to that conversation until then. */
  hold(conversation: string, ms: number): void {
    this.heldUntil.set(conversation, Math.max(this.heldUntil.get(conversation) ?? 0, this.now() + ms));
  }

  /** How many conversations have slots remembered (for tests: old ones are forgotten). */
  get conversations(): number {
    return this.taken.size;
  }

  private prune(conversation: string, now: number): number[] {
    const horizon = now - this.longest;
    const own = (this.taken.get(conversation) ?? []).filter((time) => time > horizon);
    if (own.length === 0) this.taken.delete(conversation);
    const tenantHorizon = now - Math.max(0, ...this.tenant.map((window) => window.ms));
    if (this.global.length > 0 && this.global[0]! <= tenantHorizon) this.global = this.global.filter((time) => time > tenantHorizon);
    for (const [key, until] of this.heldUntil) if (until <= now) this.heldUntil.delete(key);
    // Conversations idle for longer than the longest window are forgotten.
    if (this.taken.size > 1000) {
      for (const [key, times] of this.taken) if ((times.at(-1) ?? 0) <= horizon) this.taken.delete(key);
    }
    return own;
  }
}

/**
 * The earliest time ≥ `at` that keeps every window of one conversation under its count. Slots of a
 * conversation are taken in order, so all of them are ≤ the answer and the check is exact.
 */
function ownSlot(taken: number[], windows: readonly RateWindow[], at: number): number {
  let slot = Math.max(at, taken.at(-1) ?? at);
  for (const window of windows) {
    if (taken.length >= window.count) slot = Math.max(slot, taken[taken.length - window.count]! + window.ms);
  }
  return slot;
}

/**
 * The earliest time ≥ `at` at which the tenant's windows have room. Other conversations may hold
 * slots after `at`, so a slot counts every call within one window length on either side: a little
 * stricter than the limit, never over it.
 */
function globalSlot(taken: number[], windows: readonly RateWindow[], at: number): number {
  let slot = at;
  for (let guard = 0; guard < 10_000; guard++) {
    let moved = false;
    for (const window of windows) {
      const near = taken.filter((time) => time > slot - window.ms && time < slot + window.ms);
      if (near.length >= window.count) {
        slot = near[0]! + window.ms;
        moved = true;
      }
    }
    if (!moved) return slot;
  }
  return slot;
}

function insertSorted(list: number[], value: number): void {
  let index = list.length;
  while (index > 0 && list[index - 1]! > value) index--;
  list.splice(index, 0, value);
}
