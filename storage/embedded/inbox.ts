/**
 * The inbox: verified webhook bodies waiting to be processed, in a journal of their own because
 * they are the only records that die young. A segment whose items are all done is deleted, so disk
 * use follows the pending work, not the traffic history, and processed bodies do not linger.
 *
 * The subtle part is a completion written in a later segment than its item: deleting that later
 * segment first would erase the only proof the item was done and revive it on the next start. Such
 * completions are therefore copied forward into the active segment before their segment is deleted,
 * for as long as the item's own segment exists.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../bot/logger.js';
import type { InboxItem } from '../store.js';
import { Journal } from './journal.js';
import type { InboxRecord } from './records.js';

export interface InboxOptions {
  dir: string;
  fsync: boolean;
  logger: Logger;
  segmentBytes: number;
  /**
   * Once every item in the active segment is done it is retired (a new segment started, the old one
   * deleted), at most once per this many ms: quickly enough that bodies do not stay on disk, rarely
   * enough that a busy inbox that keeps draining does not churn files.
   */
  retireIntervalMs: number;
}

interface SegmentBook {
  /** Items appended to this segment, and how many of them are not durably done yet. */
  items: number;
  pending: number;
  /** Completions in this segment of items that live in older segments: item id → the item's segment. */
  completesOlder: Map<string, number>;
}

interface PendingEntry {
  item: InboxItem;
  segment: number;
}

export class Inbox {
  private readonly pending = new Map<string, PendingEntry>();
  private readonly books = new Map<number, SegmentBook>();
  /** Segment deletions run one at a time, in the order they were decided. */
  private housekeeping: Promise<void> = Promise.resolve();
  private readonly deleting = new Set<number>();
  private retireTimer: NodeJS.Timeout | undefined;
  private lastRetireAt = Number.NEGATIVE_INFINITY;
  private lastAppendSegment = 0;
  private closing = false;
  private journal!: Journal;

  private constructor(private readonly options: InboxOptions) {}

  static async open(options: InboxOptions): Promise<Inbox> {
    const inbox = new Inbox(options);
    const itemSegments = new Map<string, number>();
    inbox.journal = await Journal.open(options, (record, segment) =>
      inbox.replay(record as InboxRecord, segment, itemSegments),
    );
    for (const segment of await inbox.journal.listSegments()) inbox.bookFor(segment);
    inbox.tidy();
    return inbox;
  }

  async append(source: string, body: string, receivedAt: number): Promise<InboxItem> {
    const item: InboxItem = { id: randomUUID(), source, body, receivedAt };
    const ticket = this.journal.append(JSON.stringify({ t: 'inbox', item } satisfies InboxRecord));
    const book = this.bookFor(ticket.segment);
    book.items += 1;
    book.pending += 1;
    this.pending.set(item.id, { item, segment: ticket.segment });
    if (ticket.segment !== this.lastAppendSegment) {
      // The journal rolled over to a new segment, possibly leaving a finished one behind.
      this.lastAppendSegment = ticket.segment;
      this.tidy();
    }
    await ticket.durable;
    return { ...item };
  }

  /** Pending items in arrival order, once everything written so far is durable. */
  async pendingItems(): Promise<InboxItem[]> {
    const items = [...this.pending.values()].map((entry) => ({ ...entry.item }));
    await this.journal.whenDurable();
    return items;
  }

  /** Marks an item done; unknown (or already done) ids are a no-op, so replays may complete twice. */
  async complete(id: string): Promise<void> {
    const entry = this.pending.get(id);
    if (!entry) return this.journal.whenDurable();
    this.pending.delete(id);
    const ticket = this.journal.append(JSON.stringify({ t: 'inbox-done', id } satisfies InboxRecord));
    if (ticket.segment !== entry.segment) this.bookFor(ticket.segment).completesOlder.set(id, entry.segment);
    await ticket.durable;
    // Counted only now: a segment may go only once the completions of all its items are on disk.
    this.bookFor(entry.segment).pending -= 1;
    this.tidy();
  }

  /**
   * Retires a drained active segment now rather than at the next retirement tick, and waits for
   * every deletion decided so far: after an erasure, no processed body stays on disk.
   */
  async retireDrained(): Promise<void> {
    if (this.closing) return;
    clearTimeout(this.retireTimer);
    this.retireTimer = undefined;
    this.schedule(() => this.retireActive());
    await this.housekeeping;
  }

  /** Finishes housekeeping and retires a drained active segment, so a clean stop leaves no processed body behind. */
  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.retireTimer);
    this.retireTimer = undefined;
    this.schedule(() => this.retireActive());
    await this.housekeeping;
    await this.journal.close();
  }

  private replay(record: InboxRecord, segment: number, itemSegments: Map<string, number>): void {
    const book = this.bookFor(segment);
    if (record.t === 'inbox') {
      this.pending.set(record.item.id, { item: record.item, segment });
      itemSegments.set(record.item.id, segment);
      book.items += 1;
      book.pending += 1;
    } else if (record.t === 'inbox-done') {
      // Unknown: the item's segment was deleted already and this completion is a leftover.
      const itemSegment = itemSegments.get(record.id);
      if (itemSegment === undefined) return;
      if (this.pending.delete(record.id)) this.bookFor(itemSegment).pending -= 1;
      if (itemSegment !== segment) book.completesOlder.set(record.id, itemSegment);
    } else {
      this.options.logger.warn({ type: (record as { t?: unknown }).t }, 'unknown inbox journal record skipped');
    }
  }

  private bookFor(segment: number): SegmentBook {
    let book = this.books.get(segment);
    if (!book) {
      book = { items: 0, pending: 0, completesOlder: new Map() };
      this.books.set(segment, book);
    }
    return book;
  }

  /** Deletes finished segments that no longer receive appends; schedules retiring a finished active one. */
  private tidy(): void {
    // Completions still in flight at close must not schedule work on a closed journal.
    if (this.closing) return;
    const active = this.journal.activeSegment;
    for (const [segment, book] of this.books) {
      if (book.pending > 0 || this.deleting.has(segment)) continue;
      if (segment < active) {
        this.deleting.add(segment);
        this.schedule(() => this.deleteSegment(segment));
      } else if (segment === active && book.items > 0) {
        this.scheduleRetire();
      }
    }
  }

  private scheduleRetire(): void {
    if (this.retireTimer) return;
    const wait = Math.max(0, this.lastRetireAt + this.options.retireIntervalMs - Date.now());
    this.retireTimer = setTimeout(() => {
      this.retireTimer = undefined;
      this.schedule(() => this.retireActive());
    }, wait);
    // Housekeeping must never keep the process alive on its own.
    this.retireTimer.unref();
  }

  private async retireActive(): Promise<void> {
    const active = this.journal.activeSegment;
    const book = this.books.get(active);
    if (!book || book.pending > 0 || book.items === 0) return;
    this.lastRetireAt = Date.now();
    this.journal.rotate();
    if (this.journal.activeSegment === active) return;
    this.deleting.add(active);
    await this.deleteSegment(active);
  }

  private async deleteSegment(segment: number): Promise<void> {
    try {
      const book = this.books.get(segment);
      if (!book || book.pending > 0) return;
      const copies: Promise<void>[] = [];
      for (const [id, itemSegment] of book.completesOlder) {
        if (!this.books.has(itemSegment)) continue;
        const ticket = this.journal.append(JSON.stringify({ t: 'inbox-done', id } satisfies InboxRecord));
        this.bookFor(ticket.segment).completesOlder.set(id, itemSegment);
        copies.push(ticket.durable);
      }
      await Promise.all(copies);
      await this.journal.deleteSegment(segment);
      this.books.delete(segment);
    } finally {
      this.deleting.delete(segment);
    }
  }

  private schedule(task: () => Promise<void>): void {
    this.housekeeping = this.housekeeping.then(task).catch((error: unknown) => {
      this.options.logger.error({ err: error }, 'inbox housekeeping failed; finished segments stay on disk until the next start');
    });
  }
}
