/**
 * The Teams pacer (adapters/teams/pacer.ts) on a fake clock: per-thread windows (7/1 s, 8/2 s,
 * 60/30 s, 1,800/h, less a margin) and the tenant's, first come first served per thread, nothing
 * dropped, holds after a 429, and long waits handed to the core as RetryableChatError.
 */
import { expect } from 'chai';
import { TeamsPacer, THREAD_WINDOWS } from '../../adapters/teams/index.js';
import { RetryableChatError } from '../../bot/chat-adapter.js';
import { rejection } from '../helpers/rejection.js';

/** A clock that only moves when someone sleeps; records when each call was let through. */
function fakeClock() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    set: (value: number) => {
      now = value;
    },
    sleeps,
  };
}

describe('TeamsPacer', () => {
  it('uses Teams’ per-thread figures, never above them', () => {
    const published = [
      { count: 7, ms: 1_000 },
      { count: 8, ms: 2_000 },
      { count: 60, ms: 30_000 },
      { count: 1_800, ms: 3_600_000 },
    ];
    for (const limit of published) {
      const ours = THREAD_WINDOWS.find((window) => window.ms === limit.ms);
      expect(ours?.count, `${limit.ms} ms`).to.be.at.most(limit.count).and.at.least(limit.count - 1);
    }
  });

  it('lets a burst into one thread through at the per-second and per-2-second pace, in order', async () => {
    const clock = fakeClock();
    const pacer = new TeamsPacer({ now: clock.now, sleep: clock.sleep, maxQueueMs: 60_000 });
    const starts: number[] = [];
    for (let index = 0; index < 10; index++) {
      await pacer.acquire('thread-a');
      starts.push(clock.now());
    }
    // 6 in the first second, then the 2-second window (8) holds the rest until it slides.
    expect(starts.slice(0, 6)).to.deep.equal([0, 0, 0, 0, 0, 0]);
    for (let index = 1; index < starts.length; index++) expect(starts[index]).to.be.at.least(starts[index - 1]!);
    for (let index = 0; index < starts.length; index++) {
      const inSecond = starts.filter((time) => time > starts[index]! - 1_000 && time <= starts[index]!).length;
      const inTwo = starts.filter((time) => time > starts[index]! - 2_000 && time <= starts[index]!).length;
      expect(inSecond).to.be.at.most(7);
      expect(inTwo).to.be.at.most(8);
    }
  });

  it('keeps threads apart: a busy thread does not hold back another', async () => {
    const clock = fakeClock();
    const pacer = new TeamsPacer({ now: clock.now, sleep: clock.sleep });
    for (let index = 0; index < 6; index++) await pacer.acquire('busy');
    clock.sleeps.length = 0;
    await pacer.acquire('quiet');
    expect(clock.sleeps).to.deep.equal([]);
  });

  it('respects the 60 per 30 s window of a thread', async () => {
    const clock = fakeClock();
    const pacer = new TeamsPacer({ now: clock.now, sleep: clock.sleep, maxQueueMs: 120_000 });
    const starts: number[] = [];
    for (let index = 0; index < 61; index++) {
      await pacer.acquire('thread');
      starts.push(clock.now());
    }
    expect(starts[60]! - starts[0]!).to.be.at.least(30_000);
  });

  it('queues concurrent callers of one thread and lets every one through (nothing dropped), first come first served', async () => {
    let now = 0;
    const timers: { at: number; resolve: () => void }[] = [];
    const pacer = new TeamsPacer({ now: () => now, sleep: (ms) => new Promise<void>((resolve) => timers.push({ at: now + ms, resolve })), maxQueueMs: 60_000 });
    const order: number[] = [];
    const calls = Array.from({ length: 20 }, (_, index) => pacer.acquire('thread').then(() => order.push(index)));
    // Run the fake timers in time order.
    while (timers.length > 0) {
      await Promise.resolve();
      timers.sort((a, b) => a.at - b.at);
      const next = timers.shift()!;
      now = Math.max(now, next.at);
      next.resolve();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(calls);
    expect(order).to.deep.equal(Array.from({ length: 20 }, (_, index) => index));
  });

  it('keeps the tenant under its requests per second across threads', async () => {
    const clock = fakeClock();
    const pacer = new TeamsPacer({ now: clock.now, sleep: clock.sleep, tenant: [{ count: 5, ms: 1_000 }] });
    const starts: number[] = [];
    for (let index = 0; index < 12; index++) {
      await pacer.acquire(`thread-${index}`);
      starts.push(clock.now());
    }
    for (const start of starts) expect(starts.filter((time) => time > start - 1_000 && time <= start).length).to.be.at.most(5);
    expect(starts.at(-1)).to.be.at.least(2_000);
  });

  it('holds a thread after Teams said 429, and hands a long wait to the core', async () => {
    const clock = fakeClock();
    const pacer = new TeamsPacer({ now: clock.now, sleep: clock.sleep, maxQueueMs: 10_000 });
    pacer.hold('thread', 4_000);
    await pacer.acquire('thread');
    expect(clock.now()).to.equal(4_000);
    pacer.hold('thread', 30_000);
    const error = await rejection(pacer.acquire('thread'));
    expect(error).to.be.instanceOf(RetryableChatError);
    expect((error as RetryableChatError).retryAfterMs).to.equal(30_000);
    // Other threads are not held.
    await pacer.acquire('other');
    expect(clock.now()).to.equal(4_000);
  });

  it('hands the wait to the core when a thread’s hourly budget is spent', async () => {
    const clock = fakeClock();
    const pacer = new TeamsPacer({ now: clock.now, sleep: clock.sleep, thread: [{ count: 3, ms: 3_600_000 }], maxQueueMs: 5_000 });
    for (let index = 0; index < 3; index++) await pacer.acquire('thread');
    clock.set(60_000);
    const error = await rejection(pacer.acquire('thread'));
    expect((error as RetryableChatError).retryAfterMs).to.equal(3_600_000 - 60_000);
  });
});
