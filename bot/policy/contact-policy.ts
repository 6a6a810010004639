/**
 * Who may be contacted, and how: the block list, opt-outs and the do-not-contact list, kept in the
 * store and mirrored in memory, because every inbound message and every send asks about them.
 *
 * Numbers are E.164 digits without `+`, the form of a WhatsApp `wa_id`. Customers known only by a
 * business-scoped user id have no number and so are never on these lists.
 */
import type { Customer } from '../types.js';
import type { BlockEntry, ContactPolicyState, DoNotContactList, OptOutEntry, Store } from '../../storage/store.js';

interface PolicyMirror {
  blocked: Map<string, BlockEntry>;
  optedOut: Map<string, OptOutEntry>;
  doNotContact?: Omit<DoNotContactList, 'numbers'>;
  /** A Set: the list may hold hundreds of thousands of numbers and is checked per send. */
  doNotContactNumbers: Set<string>;
  blockedReplies: Map<string, number>;
}

/** What `/dnc check` reports about a number. */
export interface ContactStatus {
  blocked?: BlockEntry;
  optedOut?: OptOutEntry;
  doNotContact?: Omit<DoNotContactList, 'numbers'>;
}

export class ContactPolicy {
  private mirror: Promise<PolicyMirror> | undefined;

  constructor(private readonly store: Store) {}

  /** The customer's number, when WhatsApp gave one. */
  static numberOf(customer: Customer): string | undefined {
    return customer.waId?.replace(/^\+/, '') || undefined;
  }

  async isBlocked(number: string | undefined): Promise<boolean> {
    return number !== undefined && (await this.load()).blocked.has(number);
  }

  /** Whether a send to this customer must be refused (blocked numbers are never sent anything). */
  async refusesSendTo(customer: Customer): Promise<boolean> {
    return this.isBlocked(ContactPolicy.numberOf(customer));
  }

  /** Opted-out, do-not-contact and blocked numbers are left out of bulk and marketing sends. */
  async mayReceiveBulk(number: string): Promise<boolean> {
    const status = await this.statusOf(number);
    return !status.blocked && !status.optedOut && !status.doNotContact;
  }

  async statusOf(number: string): Promise<ContactStatus> {
    const mirror = await this.load();
    return {
      blocked: mirror.blocked.get(number),
      optedOut: mirror.optedOut.get(number),
      doNotContact: mirror.doNotContactNumbers.has(number) ? mirror.doNotContact : undefined,
    };
  }

  async blockedList(): Promise<BlockEntry[]> {
    return [...(await this.load()).blocked.values()].sort((a, b) => a.at - b.at);
  }

  /** Resolves true when the number was blocked already (the entry is renewed). */
  async block(entry: BlockEntry): Promise<boolean> {
    const mirror = await this.load();
    const existed = mirror.blocked.has(entry.number);
    await this.store.putBlock(entry);
    mirror.blocked.set(entry.number, entry);
    return existed;
  }

  async unblock(number: string): Promise<boolean> {
    const mirror = await this.load();
    const removed = await this.store.removeBlock(number);
    mirror.blocked.delete(number);
    for (const key of [...mirror.blockedReplies.keys()]) if (key.endsWith(`:${number}`)) mirror.blockedReplies.delete(key);
    return removed;
  }

  /** Resolves false when the number had opted out already (nothing changes). */
  async optOut(entry: OptOutEntry): Promise<boolean> {
    const mirror = await this.load();
    if (mirror.optedOut.has(entry.number)) return false;
    await this.store.putOptOut(entry);
    mirror.optedOut.set(entry.number, entry);
    return true;
  }

  /** Resolves false when the number had not opted out. */
  async optIn(number: string): Promise<boolean> {
    const mirror = await this.load();
    if (!mirror.optedOut.has(number)) return false;
    await this.store.removeOptOut(number);
    mirror.optedOut.delete(number);
    return true;
  }

  async replaceDoNotContact(list: DoNotContactList): Promise<void> {
    const mirror = await this.load();
    await this.store.replaceDoNotContact(list);
    const { numbers, ...about } = list;
    mirror.doNotContact = about;
    mirror.doNotContactNumbers = new Set(numbers);
  }

  /** Whether a blocked number writing now should get the auto-reply (at most once per `intervalMs` per line). */
  async blockedReplyDue(numberId: string, number: string, now: number, intervalMs: number): Promise<boolean> {
    const last = (await this.load()).blockedReplies.get(`${numberId}:${number}`);
    return last === undefined || now - last >= intervalMs;
  }

  async noteBlockedReply(numberId: string, number: string, at: number): Promise<void> {
    const mirror = await this.load();
    await this.store.noteBlockedReply(numberId, number, at);
    mirror.blockedReplies.set(`${numberId}:${number}`, at);
  }

  /** After an erasure the store dropped this number's entries: read them again. */
  reload(): void {
    this.mirror = undefined;
  }

  private load(): Promise<PolicyMirror> {
    this.mirror ??= this.store.getContactPolicy().then(mirrorOf, (error: unknown) => {
      this.mirror = undefined; // let the next call try again
      throw error;
    });
    return this.mirror;
  }
}

function mirrorOf(state: ContactPolicyState): PolicyMirror {
  const { numbers = [], ...about } = state.doNotContact ?? { numbers: [] };
  return {
    blocked: new Map(state.blocked.map((entry) => [entry.number, entry])),
    optedOut: new Map(state.optedOut.map((entry) => [entry.number, entry])),
    doNotContact: state.doNotContact ? (about as Omit<DoNotContactList, 'numbers'>) : undefined,
    doNotContactNumbers: new Set(numbers),
    blockedReplies: new Map(Object.entries(state.blockedReplies)),
  };
}
