/**
 * Call order over a connection pool. The embedded store applies each write at call time, so calls
 * that overlap still take effect in the order they were made: of two concurrent inserts of one key
 * the first wins, the last of two saves of one conversation is what stays, and a read sees the
 * writes called before it. A pool runs overlapping queries on different connections in whatever
 * order the server gets them; this restores those guarantees while writes to different records
 * still run (and commit) in parallel.
 *
 * Keys are `<kind>:<id>` (`c:` conversations, `m:` messages, `o:` sends, `i:` inbox items) or a bare
 * kind (`policy`). A read names what it depends on: a key (a read by id waits only for writes of
 * that record) or `<kind>:*` (a lookup by another column, or a count, waits for every write of that
 * kind in flight).
 */
export class CallOrder {
  /** Per record key, the settlement of the last write called on it. */
  private readonly tails = new Map<string, Promise<void>>();
  /** Writes in flight, per kind. */
  private readonly inFlight = new Map<string, Set<Promise<void>>>();

  /** Runs `task` after every earlier write that shares a key with it (and every earlier exclusive task) has settled. */
  write<T>(keys: readonly string[], task: () => Promise<T>): Promise<T> {
    const before = [...keys, EVERYTHING].flatMap((key) => this.tails.get(key) ?? []);
    const result = before.length === 0 ? task() : Promise.all(before).then(task);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    const kinds = new Set(keys.map(kindOf));
    for (const key of keys) this.tails.set(key, settled);
    for (const kind of kinds) this.kindSet(kind).add(settled);
    void settled.then(() => {
      for (const kind of kinds) this.inFlight.get(kind)?.delete(settled);
      for (const key of keys) if (this.tails.get(key) === settled) this.tails.delete(key);
    });
    return result;
  }

  /** Runs `task` once the writes it depends on (see above), called before it, have settled. */
  async read<T>(dependsOn: readonly string[], task: () => Promise<T>): Promise<T> {
    const before: Promise<void>[] = [];
    for (const item of [...dependsOn, EVERYTHING]) {
      if (item.endsWith(':*')) before.push(...(this.inFlight.get(item.slice(0, -2)) ?? []));
      else {
        const tail = this.tails.get(item);
        if (tail) before.push(tail);
      }
    }
    if (before.length > 0) await Promise.all(before);
    return task();
  }

  /** Runs `task` alone: after every write called so far, and before any called later (erasure, pruning). */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const earlier = this.everything();
    return this.write([EVERYTHING], async () => {
      await Promise.all(earlier);
      return task();
    });
  }

  /** Settles once nothing is in flight (close). */
  async idle(): Promise<void> {
    for (let pending = this.everything(); pending.length > 0; pending = this.everything()) await Promise.all(pending);
  }

  private everything(): Promise<void>[] {
    return [...this.inFlight.values()].flatMap((set) => [...set]);
  }

  private kindSet(kind: string): Set<Promise<void>> {
    let set = this.inFlight.get(kind);
    if (!set) {
      set = new Set();
      this.inFlight.set(kind, set);
    }
    return set;
  }
}

const EVERYTHING = '*';

function kindOf(key: string): string {
  const colon = key.indexOf(':');
  return colon === -1 ? key : key.slice(0, colon);
}
