/**
 * The default store: everything under DATA_DIR, no server to run.
 *
 *   DATA_DIR/state.json   small slowly changing state (lowdb)
 *   DATA_DIR/journal/     conversations, messages, outbox: append-only, replayed into memory at open
 *   DATA_DIR/inbox/       webhook bodies until processed; finished segments are deleted
 *
 * Every write updates memory synchronously at call time and then waits for its journal record to
 * be durable. Updating at call time keeps journal order equal to call order and lets concurrent
 * calls see each other (two `insertMessage` with one key: exactly one wins). Reads, in turn, wait
 * until the newest write of the record they return is durable, so nobody acts on a record a crash
 * could still erase (an outbox item sent before it was on disk would be re-created and sent twice
 * after restart); a record not found returns at once, and counts and `pendingOutbox` wait for every
 * write in flight.
 */
import path from 'node:path';
import type { Low } from 'lowdb';
import { silentLogger, type Logger } from '../../bot/logger.js';
import type { ChatMessageRef, Conversation } from '../../bot/types.js';
import type {
  BlockEntry,
  ContactPolicyState,
  DoNotContactList,
  ErasureReport,
  InboxItem,
  MessagePatch,
  MessageRecord,
  OptOutEntry,
  OutboxItem,
  OutboxResult,
  Store,
} from '../store.js';
import { ConversationIndex } from './conversation-index.js';
import { DataDirInUseError, DataDirLock } from './dir-lock.js';
import { Inbox } from './inbox.js';
import { Journal } from './journal.js';
import { MessageIndex } from './message-index.js';
import { OutboxState } from './outbox-state.js';
import { PENDING_PURGE_KEY, purgeFilter, type PurgeSelection } from './purge.js';
import type { MainRecord } from './records.js';
import { openStateFile, type StateDocument, type StoreMeta } from './state-file.js';

export interface EmbeddedStoreOptions {
  dataDir: string;
  logger?: Logger;
  /** Sync every write to the device. Default true; only tests and benchmarks turn it off. */
  fsync?: boolean;
  /** Size at which the main journal starts a new segment (default 64 MiB). */
  segmentBytes?: number;
  /** Size at which the inbox journal starts a new segment (default 4 MiB). */
  inboxSegmentBytes?: number;
  /** Least time between two retirements of a drained inbox segment (default 1000 ms). */
  inboxRetireIntervalMs?: number;
}

interface OpenParts {
  journal: Journal;
  inbox: Inbox;
  state: Low<StateDocument>;
}

const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
const DEFAULT_INBOX_SEGMENT_BYTES = 4 * 1024 * 1024;
const DEFAULT_INBOX_RETIRE_INTERVAL_MS = 1000;

export class EmbeddedStore implements Store {
  private readonly logger: Logger;
  private readonly fsync: boolean;
  private readonly conversations = new ConversationIndex();
  private readonly messages = new MessageIndex();
  private readonly outbox = new OutboxState();
  private parts: OpenParts | undefined;
  private lifecycle: 'new' | 'opening' | 'open' | 'closed' = 'new';
  private lock: DataDirLock | undefined;
  /** Purges (erasure, retention) rewrite the journal one at a time. */
  private maintenance: Promise<unknown> = Promise.resolve();
  /** Durability of the newest write of each record still being written (`c:`, `m:`, `o:` + id). */
  private readonly unsettled = new Map<string, Promise<void>>();

  constructor(private readonly options: EmbeddedStoreOptions) {
    this.logger = options.logger ?? silentLogger();
    this.fsync = options.fsync ?? true;
  }

  async open(): Promise<void> {
    if (this.lifecycle !== 'new') throw new Error('an EmbeddedStore can be opened once; create a new one to reopen');
    this.lifecycle = 'opening';
    try {
      await this.load();
    } catch (error) {
      this.lifecycle = 'closed';
      if (!(error instanceof DataDirInUseError)) await this.lock?.release();
      throw error;
    }
  }

  private async load(): Promise<void> {
    const { dataDir } = this.options;
    const startedAt = Date.now();
    this.lock = await DataDirLock.acquire(dataDir);
    const state = await openStateFile(path.join(dataDir, 'state.json'), this.fsync);
    let unknownRecords = 0;
    const journal = await Journal.open(
      {
        dir: path.join(dataDir, 'journal'),
        segmentBytes: this.options.segmentBytes ?? DEFAULT_SEGMENT_BYTES,
        fsync: this.fsync,
        logger: this.logger,
      },
      (record) => {
        if (!this.apply(record as MainRecord)) unknownRecords += 1;
      },
    );
    if (unknownRecords > 0) this.logger.warn({ count: unknownRecords }, 'unknown journal records skipped');
    const inbox = await Inbox.open({
      dir: path.join(dataDir, 'inbox'),
      segmentBytes: this.options.inboxSegmentBytes ?? DEFAULT_INBOX_SEGMENT_BYTES,
      retireIntervalMs: this.options.inboxRetireIntervalMs ?? DEFAULT_INBOX_RETIRE_INTERVAL_MS,
      fsync: this.fsync,
      logger: this.logger,
    });
    this.parts = { journal, inbox, state };
    this.lifecycle = 'open';
    const interrupted = state.data[PENDING_PURGE_KEY] as PurgeSelection | undefined;
    if (interrupted) {
      this.logger.warn({ conversations: interrupted.conversations.length, messages: interrupted.messages.length }, 'finishing an erasure or pruning a crash interrupted');
      await this.purge(interrupted);
    }
    this.logger.info(
      {
        dataDir,
        instanceId: state.data.meta?.instanceId,
        conversations: this.conversations.size,
        messages: this.messages.size,
        ms: Date.now() - startedAt,
      },
      'embedded store opened',
    );
  }

  async close(): Promise<void> {
    if (this.lifecycle !== 'open') return;
    this.lifecycle = 'closed';
    const { journal, inbox } = this.parts!;
    await Promise.all([journal.close(), inbox.close()]);
    await this.lock?.release();
  }

  // -------------------------------------------------------------------------------------------
  // Small state (lowdb): not part of the Store contract yet
  // -------------------------------------------------------------------------------------------

  /** Identity and format of this data directory. */
  get meta(): StoreMeta {
    return { ...this.ready().state.data.meta! };
  }

  getState<T>(key: string): T | undefined {
    const value = this.ready().state.data[key];
    return value === undefined ? undefined : (structuredClone(value) as T);
  }

  /** Resolves once the whole state document has been durably rewritten. */
  async setState(key: string, value: unknown): Promise<void> {
    if (key === 'meta') throw new Error('the "meta" state key is managed by the store');
    const { state } = this.ready();
    state.data[key] = structuredClone(value);
    await state.write();
  }

  // -------------------------------------------------------------------------------------------
  // Inbox
  // -------------------------------------------------------------------------------------------

  async appendInbox(source: string, body: string, receivedAt: number): Promise<InboxItem> {
    return this.ready().inbox.append(source, body, receivedAt);
  }

  async pendingInbox(): Promise<InboxItem[]> {
    return this.ready().inbox.pendingItems();
  }

  async completeInbox(id: string): Promise<void> {
    return this.ready().inbox.complete(id);
  }

  // -------------------------------------------------------------------------------------------
  // Conversations
  // -------------------------------------------------------------------------------------------

  getConversation(id: string): Promise<Conversation | undefined> {
    return this.afterWrites(copy(this.conversations.get(id)), `c:${id}`);
  }

  async saveConversation(conversation: Conversation): Promise<void> {
    return this.write({ t: 'conversation', conversation });
  }

  findConversationByThread(adapter: string, channel: string, threadId: string): Promise<Conversation | undefined> {
    const conversation = this.conversations.findByThread(adapter, channel, threadId);
    return this.afterWrites(copy(conversation), conversation && `c:${conversation.id}`);
  }

  countConversations(): Promise<number> {
    return this.afterDurable(this.conversations.size);
  }

  // -------------------------------------------------------------------------------------------
  // Messages
  // -------------------------------------------------------------------------------------------

  getMessage(key: string): Promise<MessageRecord | undefined> {
    return this.afterWrites(copy(this.messages.get(key)), `m:${key}`);
  }

  findMessageByWamid(wamid: string): Promise<MessageRecord | undefined> {
    const message = this.messages.findByWamid(wamid);
    return this.afterWrites(copy(message), message && `m:${message.key}`);
  }

  findMessageByChatRef(ref: ChatMessageRef): Promise<MessageRecord | undefined> {
    const message = this.messages.findByChatRef(ref);
    return this.afterWrites(copy(message), message && `m:${message.key}`);
  }

  async insertMessage(record: MessageRecord): Promise<boolean> {
    // False only once the existing record is durable: the caller may act on "already stored".
    if (this.messages.get(record.key)) return this.afterWrites(false, `m:${record.key}`);
    await this.write({ t: 'message', message: record });
    return true;
  }

  async updateMessage(key: string, patch: MessagePatch): Promise<void> {
    if (!this.messages.get(key)) throw new Error(`updateMessage: no message with key ${key}`);
    await this.write({ t: 'message-patch', key, patch });
  }

  countMessages(): Promise<number> {
    return this.afterDurable(this.messages.size);
  }

  // -------------------------------------------------------------------------------------------
  // Outbox
  // -------------------------------------------------------------------------------------------

  async appendOutbox(items: OutboxItem[]): Promise<void> {
    const fresh = new Map<string, OutboxItem>();
    for (const item of items) {
      if (!this.outbox.has(item.id) && !fresh.has(item.id)) fresh.set(item.id, item);
    }
    if (fresh.size === 0) {
      await Promise.all(items.map((item) => this.afterWrites(undefined, `o:${item.id}`)));
      return;
    }
    await this.write({ t: 'outbox', items: [...fresh.values()] });
  }

  pendingOutbox(): Promise<OutboxItem[]> {
    return this.afterDurable(this.outbox.pendingItems().map((item) => structuredClone(item)));
  }

  /** Records the result even for an id the store never saw: a status webhook proves the send happened. */
  async completeOutbox(id: string, result: OutboxResult): Promise<void> {
    return this.write({ t: 'outbox-result', id, result });
  }

  getOutboxResult(id: string): Promise<OutboxResult | undefined> {
    return this.afterWrites(copy(this.outbox.result(id)), `o:${id}`);
  }

  // -------------------------------------------------------------------------------------------
  // Contact policy (state.json: small, changed by people)
  // -------------------------------------------------------------------------------------------

  async getContactPolicy(): Promise<ContactPolicyState> {
    const data = this.ready().state.data;
    return structuredClone({
      blocked: (data.blocked as BlockEntry[] | undefined) ?? [],
      optedOut: (data.optedOut as OptOutEntry[] | undefined) ?? [],
      doNotContact: data.doNotContact as DoNotContactList | undefined,
      blockedReplies: (data.blockedReplies as Record<string, number> | undefined) ?? {},
    });
  }

  async putBlock(entry: BlockEntry): Promise<void> {
    await this.changeState((data) => {
      data.blocked = [...withoutNumber(data.blocked as BlockEntry[] | undefined, entry.number), structuredClone(entry)];
    });
  }

  async removeBlock(number: string): Promise<boolean> {
    let removed = false;
    await this.changeState((data) => {
      const before = (data.blocked as BlockEntry[] | undefined) ?? [];
      data.blocked = withoutNumber(before, number);
      removed = before.length !== (data.blocked as BlockEntry[]).length;
      const replies = (data.blockedReplies as Record<string, number> | undefined) ?? {};
      data.blockedReplies = Object.fromEntries(Object.entries(replies).filter(([key]) => !key.endsWith(`:${number}`)));
    });
    return removed;
  }

  async putOptOut(entry: OptOutEntry): Promise<void> {
    await this.changeState((data) => {
      data.optedOut = [...withoutNumber(data.optedOut as OptOutEntry[] | undefined, entry.number), structuredClone(entry)];
    });
  }

  async removeOptOut(number: string): Promise<boolean> {
    let removed = false;
    await this.changeState((data) => {
      const before = (data.optedOut as OptOutEntry[] | undefined) ?? [];
      data.optedOut = withoutNumber(before, number);
      removed = before.length !== (data.optedOut as OptOutEntry[]).length;
    });
    return removed;
  }

  async replaceDoNotContact(list: DoNotContactList): Promise<void> {
    await this.changeState((data) => {
      data.doNotContact = structuredClone(list);
    });
  }

  async noteBlockedReply(numberId: string, number: string, at: number): Promise<void> {
    await this.changeState((data) => {
      data.blockedReplies = { ...((data.blockedReplies as Record<string, number> | undefined) ?? {}), [`${numberId}:${number}`]: at };
    });
  }

  /** Applies `change` to the state document now (so later reads see it) and resolves once it is on disk. */
  private async changeState(change: (data: StateDocument) => void): Promise<void> {
    const { state } = this.ready();
    change(state.data);
    await state.write();
  }

  // -------------------------------------------------------------------------------------------
  // Erasure and retention
  // -------------------------------------------------------------------------------------------

  eraseCustomer(number: string): Promise<ErasureReport> {
    return this.serialised(async () => {
      const conversations = this.conversations.filter(
        (conversation) => conversation.customer.waId === number || conversation.customerKey === `wa:${number}`,
      );
      const conversationIds = new Set(conversations.map((conversation) => conversation.id));
      const selection = this.selectionFor(conversationIds, (record) => conversationIds.has(record.conversationId));
      const policy = await this.getContactPolicy();
      const report: ErasureReport = {
        conversations: conversationIds.size,
        messages: selection.messages.length,
        pendingSends: this.outbox.pendingItems().filter((item) => conversationIds.has(item.conversationId)).length,
        blocked: policy.blocked.some((entry) => entry.number === number),
        optedOut: policy.optedOut.some((entry) => entry.number === number),
        doNotContact: policy.doNotContact?.numbers.includes(number) ?? false,
      };
      // The policy entries go in the same state.json write that records the pending purge.
      await this.changeState((data) => {
        data.blocked = withoutNumber(data.blocked as BlockEntry[] | undefined, number);
        data.optedOut = withoutNumber(data.optedOut as OptOutEntry[] | undefined, number);
        const list = data.doNotContact as DoNotContactList | undefined;
        if (list && report.doNotContact) data.doNotContact = { ...list, numbers: list.numbers.filter((entry) => entry !== number) };
        const replies = (data.blockedReplies as Record<string, number> | undefined) ?? {};
        data.blockedReplies = Object.fromEntries(Object.entries(replies).filter(([key]) => !key.endsWith(`:${number}`)));
        data[PENDING_PURGE_KEY] = selection;
      });
      await this.purge(selection);
      return report;
    });
  }

  pruneMessagesBefore(cutoff: number): Promise<number> {
    return this.serialised(async () => {
      const selection = this.selectionFor(new Set(), (record) => record.at < cutoff);
      if (selection.messages.length === 0) return 0;
      await this.changeState((data) => {
        data[PENDING_PURGE_KEY] = selection;
      });
      await this.purge(selection);
      return selection.messages.length;
    });
  }

  private selectionFor(conversationIds: Set<string>, pickMessage: (record: MessageRecord) => boolean): PurgeSelection {
    const messages = new Set(this.messages.selectKeys(pickMessage));
    const outbox = this.outbox.select(
      (item) => (item.conversationId !== undefined && conversationIds.has(item.conversationId)) || messages.has(item.messageKey),
    );
    return { conversations: [...conversationIds], messages: [...messages], outbox };
  }

  /**
   * Removes the selection from memory, then from every journal segment (the active one is closed
   * first, so each rewritten segment is immutable), retires processed webhook bodies, and only then
   * forgets the pending purge: a crash anywhere before that repeats the purge at the next open.
   */
  private async purge(selection: PurgeSelection): Promise<void> {
    const { journal, inbox } = this.ready();
    for (const id of selection.conversations) this.conversations.remove(id);
    for (const key of selection.messages) this.messages.remove(key);
    this.outbox.remove(selection.outbox);
    journal.rotate();
    await journal.whenDurable();
    const filter = purgeFilter(selection);
    for (const segment of await journal.listSegments()) {
      if (segment < journal.activeSegment) await journal.rewriteSegment(segment, filter);
    }
    await inbox.retireDrained();
    await this.changeState((data) => {
      delete data[PENDING_PURGE_KEY];
    });
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const result = this.maintenance.then(task);
    this.maintenance = result.catch(() => undefined);
    return result;
  }

  // -------------------------------------------------------------------------------------------

  private ready(): OpenParts {
    if (this.lifecycle !== 'open') throw new Error(`embedded store is ${this.lifecycle === 'closed' ? 'closed' : 'not open'}`);
    return this.parts!;
  }

  /**
   * Journals `record` and applies it to memory now. What is applied is the JSON round trip of what is
   * written, so memory after a write equals memory after replaying it (undefined fields dropped,
   * nothing shared with the caller's objects).
   */
  private async write(record: MainRecord): Promise<void> {
    const { journal } = this.ready();
    const json = JSON.stringify(record);
    const { durable } = journal.append(json);
    this.apply(JSON.parse(json) as MainRecord);
    for (const identity of identitiesOf(record)) this.trackWrite(identity, durable);
    await durable;
  }

  private trackWrite(identity: string, durable: Promise<void>): void {
    this.unsettled.set(identity, durable);
    const settle = (): void => {
      if (this.unsettled.get(identity) === durable) this.unsettled.delete(identity);
    };
    durable.then(settle, settle);
  }

  /** Waits for everything written so far. `value` is computed by the caller before this runs. */
  private async afterDurable<T>(value: T): Promise<T> {
    await this.ready().journal.whenDurable();
    return value;
  }

  /**
   * Waits only until the newest write of the record being returned (`identity`) is durable, not for
   * every write in flight: under load some write is always in flight, and waiting for all of them
   * put one or two fsyncs in front of every read on the path from webhook to chat post. A record
   * that is not found has no write in flight either (writes reach memory at call time); an erasure
   * is recorded as a pending purge in state.json, durably, before anything leaves memory. After a journal failure every read fails, as before.
   */
  private afterWrites<T>(value: T, identity: string | undefined): Promise<T> {
    const { journal } = this.ready();
    if (journal.failure) return Promise.reject(journal.failure);
    const pending = identity === undefined ? undefined : this.unsettled.get(identity);
    return pending ? pending.then(() => value) : Promise.resolve(value);
  }

  /** Returns false for a record type this version does not know. */
  private apply(record: MainRecord): boolean {
    switch (record.t) {
      case 'conversation':
        this.conversations.save(record.conversation);
        return true;
      case 'message':
        // First write wins, as in insertMessage: a key is never inserted twice.
        if (!this.messages.get(record.message.key)) this.messages.insert(record.message);
        return true;
      case 'message-patch':
        this.messages.patch(record.key, record.patch);
        return true;
      case 'outbox':
        for (const item of record.items) this.outbox.add(item);
        return true;
      case 'outbox-result':
        this.outbox.complete(record.id, record.result);
        return true;
      default:
        return false;
    }
  }
}

function withoutNumber<T extends { number: string }>(entries: T[] | undefined, number: string): T[] {
  return (entries ?? []).filter((entry) => entry.number !== number);
}

/** Which records a journal line writes, as `afterWrites` identities. */
function identitiesOf(record: MainRecord): string[] {
  switch (record.t) {
    case 'conversation':
      return [`c:${record.conversation.id}`];
    case 'message':
      return [`m:${record.message.key}`];
    case 'message-patch':
      return [`m:${record.key}`];
    case 'outbox':
      return record.items.map((item) => `o:${item.id}`);
    case 'outbox-result':
      return [`o:${record.id}`];
  }
}

function copy<T>(value: T | undefined): T | undefined {
  return value === undefined ? undefined : structuredClone(value);
}
