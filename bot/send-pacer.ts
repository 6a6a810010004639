/**
 * Paces one business number's sends at its configured rate, strictly: at most `rate` sends start in
 * any one-second window, however the window is placed, and they are spread evenly rather than sent
 * in bursts. p-queue's own interval option counts fixed windows, which lets up to twice the rate
 * through across a window boundary; WhatsApp counts per second and answers 130429 when over.
 */
export class SendPacer {
  private readonly gapMs: number;
  /** Start times of the last `rate` reserved slots, oldest first (a ring buffer). */
  private readonly recent: number[] = [];
  private nextSlot = 0;

  constructor(
    private readonly rate: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(rate > 0)) throw new RangeError('SendPacer: rate must be positive');
    this.gapMs = 1000 / rate;
  }

  /** Reserves the next slot and resolves when it starts. Reservation is synchronous, so callers keep their order. */
  acquire(): Promise<void> {
    const wait = this.reserve() - this.now();
    return wait <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, wait));
  }

  /** Reserves the next slot; returns its start time (on the `now` clock). */
  reserve(): number {
    const now = this.now();
    let slot = Math.max(now, this.nextSlot);
    const window = Math.ceil(this.rate);
    if (this.recent.length >= window) {
      // The slot `rate` sends ago must be a full second (and a bit, for timer rounding) behind this one.
      slot = Math.max(slot, this.recent[this.recent.length - window]! + 1001);
    }
    this.nextSlot = slot + this.gapMs;
    this.recent.push(slot);
    if (this.recent.length > window * 2) this.recent.splice(0, this.recent.length - window);
    return slot;
  }
}
