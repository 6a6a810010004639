/**
 * Sleeps that `stop()` can cut short. Emulators schedule webhooks (status lifecycles, retries)
 * after they have answered a request; without this a stopped emulator would keep posting into a
 * test that has already moved on.
 */
export class TimerSet {
  private readonly pending = new Map<NodeJS.Timeout, (completed: boolean) => void>();

  /** Resolves `true` after `ms`, or `false` as soon as `cancelAll()` runs. Never rejects. */
  sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        resolve(true);
      }, Math.max(0, ms));
      this.pending.set(timer, resolve);
    });
  }

  cancelAll(): void {
    for (const [timer, resolve] of this.pending) {
      clearTimeout(timer);
      resolve(false);
    }
    this.pending.clear();
  }
}
