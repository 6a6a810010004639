/**
 * An append-only list that forgets its oldest entries beyond `capacity`, so an emulator left running
 * for days as a sandbox keeps a fixed memory footprint.
 */
export class BoundedLog<T> {
  private items: T[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  push(item: T): void {
    this.items.push(item);
    if (this.items.length > this.capacity) this.items.shift();
  }

  /** A copy, oldest first, so callers cannot mutate the log. */
  all(): T[] {
    return [...this.items];
  }

  find(predicate: (item: T) => boolean): T | undefined {
    // newest first: the usual question is "what happened last to X"
    for (let i = this.items.length - 1; i >= 0; i--) {
      const item = this.items[i] as T;
      if (predicate(item)) return item;
    }
    return undefined;
  }

  get size(): number {
    return this.items.length;
  }

  clear(): void {
    this.items = [];
  }
}
