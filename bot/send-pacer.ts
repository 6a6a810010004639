/**
 * Paces one business number's sends at its configured rate, strictly: at most `rate` sends start in
 * any one-second window, however the window is placed, spread evenly rather than in bursts — except
 * that after a quiet spell a twentieth of a second's worth may start together, so that two agents'
 * replies arriving at once are not held apart (the even spacing alone added several ms to the
 * reply latency's p99 at 50/s in `npm run bench`).
 * p-queue's own interval option counts fixed windows, which lets up to twice the rate through across
 * a window boundary; WhatsApp counts per second and answers 130429 when over.
 *
 * Starts are released one at a time, in call order, and the window is checked against the times
 * sends really started: after an event-loop stall, waiting timers would otherwise fire together.
 */
const MARGIN = 0.02; // timers and the network shift sends by a few ms; "never above" must still hold

export class SendPacer {
  private readonly gapMs: number;
  private readonly window: number;
  /** Sends that may start back to back once the schedule has fallen behind real time. */
  private readonly burst: number;
  /** Real start times of recent sends, oldest first. */
  private readonly starts: number[] = [];
  private nextIdeal = Number.NEGATIVE_INFINITY;
  private turn: Promise<void> = Promise.resolve();

  constructor(
    rate: number,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    if (!(rate > 0)) throw new RangeError('SendPacer: rate must be positive');
    this.gapMs = (1000 / rate) * (1 + MARGIN / 2);
    this.window = Math.max(1, Math.floor(rate));
    this.burst = Math.max(1, Math.floor(rate / 20));
  }

  /** Resolves when the caller may start its send; callers are released in the order they called. */
  acquire(): Promise<void> {
    const mine = this.turn.then(() => this.waitForSlot());
    this.turn = mine.catch(() => undefined);
    return mine;
  }

  private async waitForSlot(): Promise<void> {
    // The even schedule keeps the long-run rate when a timer fires late; the window check caps bursts.
    const ideal = Math.max(this.now() - (this.burst - 1) * this.gapMs, this.nextIdeal);
    this.nextIdeal = ideal + this.gapMs;
    for (;;) {
      const now = this.now();
      let earliest = ideal;
      if (this.starts.length >= this.window) {
        earliest = Math.max(earliest, this.starts[this.starts.length - this.window]! + 1000 * (1 + MARGIN));
      }
      if (now >= earliest) break;
      await this.sleep(earliest - now);
    }
    this.starts.push(this.now());
    if (this.starts.length > this.window * 2) this.starts.splice(0, this.starts.length - this.window);
  }
}
