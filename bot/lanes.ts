/**
 * Ordered lanes: tasks with the same key run one after another, in the order they were added;
 * tasks with different keys run in parallel. One lane per conversation keeps a customer's messages
 * (and an agent's replies) in order without serialising the whole bridge.
 */
export class Lanes {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<Promise<unknown>>();

  /** Runs `task` after every task added earlier under `key`; resolves or rejects with its result. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    // The lane continues whatever this task's outcome: a failure is the caller's to handle.
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    this.inFlight.add(tail);
    void tail.then(() => {
      this.inFlight.delete(tail);
      // Forget idle lanes so memory does not grow with the number of conversations ever seen.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Number of lanes with work queued or running. */
  get active(): number {
    return this.tails.size;
  }

  /** Resolves when every task added so far (and any added while waiting) has finished. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}
