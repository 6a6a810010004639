/**
 * Decides whether the next send fails, and how. Two sources: a queue filled by `failNext(count, …)`
 * (consumed in order by any send) and per-recipient rules, which always win and are never consumed,
 * so a test can say "this customer is unreachable" without caring about send order.
 */
import type { InjectedFailure } from './types.js';

/** `+34 611-11-11-11` and `34611111111` name the same customer; BSUIDs are kept as they are. */
export function normaliseRecipient(recipient: string): string {
  return /^[\d\s+\-()]+$/.test(recipient) ? recipient.replace(/\D/g, '') : recipient;
}

export class FailureInjector {
  private readonly queue: InjectedFailure[] = [];
  private readonly byRecipient = new Map<string, InjectedFailure>();

  failNext(count: number, failure: InjectedFailure): void {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`);
    for (let i = 0; i < count; i++) this.queue.push({ ...failure });
  }

  failRecipient(recipient: string, failure: InjectedFailure): void {
    this.byRecipient.set(normaliseRecipient(recipient), { ...failure });
  }

  clearRecipient(recipient: string): void {
    this.byRecipient.delete(normaliseRecipient(recipient));
  }

  clear(): void {
    this.queue.length = 0;
    this.byRecipient.clear();
  }

  /** The failure for a send to `recipientId`, if any; consumes one queued failure when no rule matches. */
  take(recipientId: string): InjectedFailure | undefined {
    return this.byRecipient.get(normaliseRecipient(recipientId)) ?? this.queue.shift();
  }

  get pending(): number {
    return this.queue.length;
  }
}
