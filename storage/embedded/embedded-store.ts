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
 * until everything written before them is durable, so nobody acts on a record a crash could still
 * erase (an outbox item sent before it was on disk would be re-created and sent twice after restart).
 */
import path from 'node:path';
import type { Low } from 'lowdb';
import { silentLogger, type Logger } from '../../bot/logger.js';
import type { ChatMessageRef, Conversation } from '../../bot/types.js';
import type { InboxItem, MessagePatch, MessageRecord, OutboxItem, OutboxResult, Store } from '../store.js';
import { ConversationIndex } from './conversation-index.js';
import { DataDirInUseError, DataDirLock } from './dir-lock.js';
import { Inbox } from './inbox.js';
import { Journal } from './journal.js';
import { MessageIndex } from './message-index.js';
import { OutboxState } from './outbox-state.js';
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
    return this.afterDurable(copy(this.conversations.get(id)));
  }

  async saveConversation(conversation: Conversation): Promise<void> {
    return this.write({ t: 'conversation', conversation });
  }

  findConversationByThread(adapter: string, channel: string, threadId: string): Promise<Conversation | undefined> {
    return this.afterDurable(copy(this.conversations.findByThread(adapter, channel, threadId)));
  }

  countConversations(): Promise<number> {
    return this.afterDurable(this.conversations.size);
  }

  // -------------------------------------------------------------------------------------------
  // Messages
  // -------------------------------------------------------------------------------------------

  getMessage(key: string): Promise<MessageRecord | undefined> {
    return this.afterDurable(copy(this.messages.get(key)));
  }

  findMessageByWamid(wamid: string): Promise<MessageRecord | undefined> {
    return this.afterDurable(copy(this.messages.findByWamid(wamid)));
  }

  findMessageByChatRef(ref: ChatMessageRef): Promise<MessageRecord | undefined> {
    return this.afterDurable(copy(this.messages.findByChatRef(ref)));
  }

  async insertMessage(record: MessageRecord): Promise<boolean> {
    // False only once the existing record is durable: the caller may act on "already stored".
    if (this.messages.get(record.key)) return this.afterDurable(false);
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
    if (fresh.size === 0) return this.afterDurable(undefined);
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
    return this.afterDurable(copy(this.outbox.result(id)));
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
    await durable;
  }

  /** `value` is computed by the caller before this runs, i.e. before anything written later. */
  private async afterDurable<T>(value: T): Promise<T> {
    await this.ready().journal.whenDurable();
    return value;
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

function copy<T>(value: T | undefined): T | undefined {
  return value === undefined ? undefined : structuredClone(value);
}
