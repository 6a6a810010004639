/**
 * The PostgreSQL store, selected by DATABASE_URL: the same contract as the embedded store, with the
 * state in a database server instead of DATA_DIR, so the bridge's host can be replaced and the data
 * backed up and replicated with PostgreSQL's own tools.
 *
 * Every write is one statement or one transaction and resolves after COMMIT returns (durable as the
 * server's `synchronous_commit` makes it: on by default). One bridge works on a schema at a time
 * (writer-lock.ts); within it, calls keep their call order per record (call-order.ts).
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
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
import { CallOrder } from './call-order.js';
import { createPool, inTransaction, toNumber, type ConnectionSettings } from './connection.js';
import { migrate, type DatabaseMeta } from './schema.js';
import { WriterLock } from './writer-lock.js';

export interface PostgresStoreOptions extends ConnectionSettings {
  logger?: Logger;
  /** DATABASE_LOCK_NAME (default `puente`). */
  lockName?: string;
  /** How long open() waits for a writer lock held by another session before refusing (default 10 s). */
  lockWaitMs?: number;
  /** Called once if the session holding the writer lock is lost while open; the store refuses all calls from then on. */
  onLockLost?: (error: Error) => void;
}

export const DEFAULT_LOCK_NAME = 'puente';

/** The message record an outbox id belongs to (`<message key>#<part>`; a reaction's id is its own key). */
function messageKeyOfOutboxId(outboxId: string): string {
  const hash = outboxId.lastIndexOf('#');
  return hash === -1 ? outboxId : outboxId.slice(0, hash);
}

/** What is stored is the JSON round trip of what was given, as in the embedded store. */
function json(value: unknown): string {
  return JSON.stringify(value);
}

function parse<T>(text: string): T {
  return JSON.parse(text) as T;
}

export class PostgresStore implements Store {
  private readonly logger: Logger;
  private readonly order = new CallOrder();
  private lifecycle: 'new' | 'opening' | 'open' | 'closed' = 'new';
  private pool: pg.Pool | undefined;
  private lock: WriterLock | undefined;
  private lost: Error | undefined;
  private dbMeta: DatabaseMeta | undefined;

  constructor(private readonly options: PostgresStoreOptions) {
    this.logger = options.logger ?? silentLogger();
  }

  async open(): Promise<void> {
    if (this.lifecycle !== 'new') throw new Error('a PostgresStore can be opened once; create a new one to reopen');
    this.lifecycle = 'opening';
    const startedAt = Date.now();
    try {
      this.lock = await WriterLock.acquire({
        ...this.options,
        lockName: this.options.lockName ?? DEFAULT_LOCK_NAME,
        waitMs: this.options.lockWaitMs ?? 10_000,
        logger: this.logger,
        onLost: (error) => {
          this.lost = error;
          this.options.onLockLost?.(error);
        },
      });
      this.dbMeta = await migrate(this.lock.client);
      this.lock.watch();
      const sync = (await this.lock.client.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]?.synchronous_commit;
      if (sync === 'off') this.logger.warn('PostgreSQL synchronous_commit is off: a database crash can lose writes the bridge has acknowledged');
      this.pool = createPool(this.options, this.logger);
      this.lifecycle = 'open';
      this.logger.info(
        {
          instanceId: this.dbMeta.instanceId,
          schemaVersion: this.dbMeta.schemaVersion,
          ms: Date.now() - startedAt,
        },
        'PostgreSQL store opened',
      );
    } catch (error) {
      this.lifecycle = 'closed';
      await this.pool?.end().catch(() => undefined);
      await this.lock?.release();
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.lifecycle !== 'open') return;
    this.lifecycle = 'closed';
    await this.order.idle();
    await this.pool!.end();
    await this.lock!.release();
  }

  /** Identity and schema version of this database. */
  get meta(): DatabaseMeta {
    this.ready();
    return { ...this.dbMeta! };
  }

  // -------------------------------------------------------------------------------------------
  // Inbox: a row per pending body; completing deletes it, so processed bodies do not linger.
  // -------------------------------------------------------------------------------------------

  async appendInbox(source: string, body: string, receivedAt: number): Promise<InboxItem> {
    const pool = this.ready();
    const item: InboxItem = { id: randomUUID(), source, body, receivedAt };
    await this.order.write([`i:${item.id}`], () =>
      pool.query('INSERT INTO puente_inbox (id, source, body, received_at) VALUES ($1, $2, $3, $4)', [
        item.id,
        source,
        Buffer.from(body, 'utf8'),
        receivedAt,
      ]),
    );
    return item;
  }

  async pendingInbox(): Promise<InboxItem[]> {
    const pool = this.ready();
    return this.order.read(['i:*'], async () => {
      const { rows } = await pool.query<{ id: string; source: string; body: Buffer; received_at: string }>(
        'SELECT id, source, body, received_at FROM puente_inbox ORDER BY seq',
      );
      return rows.map((row) => ({ id: row.id, source: row.source, body: row.body.toString('utf8'), receivedAt: toNumber(row.received_at) }));
    });
  }

  async completeInbox(id: string): Promise<void> {
    const pool = this.ready();
    await this.order.write([`i:${id}`], () => pool.query('DELETE FROM puente_inbox WHERE id = $1', [id]));
  }

  // -------------------------------------------------------------------------------------------
  // Conversations
  // -------------------------------------------------------------------------------------------

  async getConversation(id: string): Promise<Conversation | undefined> {
    return this.readOne<Conversation>([`c:${id}`], 'SELECT data FROM puente_conversations WHERE id = $1', [id]);
  }

  async saveConversation(conversation: Conversation): Promise<void> {
    const pool = this.ready();
    const { thread } = conversation;
    const values = [
      conversation.id,
      conversation.customerKey,
      conversation.customer.waId ?? null,
      thread?.adapter ?? null,
      thread?.channel ?? null,
      thread?.id ?? null,
      json(conversation),
    ];
    await this.order.write([`c:${conversation.id}`], () =>
      pool.query(
        `INSERT INTO puente_conversations (id, customer_key, wa_id, thread_adapter, thread_channel, thread_id, data)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET customer_key = excluded.customer_key, wa_id = excluded.wa_id,
           thread_adapter = excluded.thread_adapter, thread_channel = excluded.thread_channel, thread_id = excluded.thread_id,
           data = excluded.data, saved_seq = nextval(pg_get_serial_sequence('puente_conversations', 'saved_seq'))`,
        values,
      ),
    );
  }

  /** The conversation saved last with this thread, as in the embedded store's index. */
  async findConversationByThread(adapter: string, channel: string, threadId: string): Promise<Conversation | undefined> {
    return this.readOne<Conversation>(
      ['c:*'],
      `SELECT data FROM puente_conversations WHERE thread_adapter = $1 AND thread_channel = $2 AND thread_id = $3
       ORDER BY saved_seq DESC LIMIT 1`,
      [adapter, channel, threadId],
    );
  }

  async countConversations(): Promise<number> {
    return this.count('puente_conversations', 'c:*');
  }

  // -------------------------------------------------------------------------------------------
  // Messages
  // -------------------------------------------------------------------------------------------

  async getMessage(key: string): Promise<MessageRecord | undefined> {
    return this.readOne<MessageRecord>([`m:${key}`], 'SELECT data FROM puente_messages WHERE key = $1', [key]);
  }

  async findMessageByWamid(wamid: string): Promise<MessageRecord | undefined> {
    return this.readOne<MessageRecord>(
      ['m:*'],
      'SELECT m.data FROM puente_message_wamids w JOIN puente_messages m ON m.key = w.message_key WHERE w.wamid = $1',
      [wamid],
    );
  }

  async findMessageByChatRef(ref: ChatMessageRef): Promise<MessageRecord | undefined> {
    return this.readOne<MessageRecord>(
      ['m:*'],
      'SELECT data FROM puente_messages WHERE chat_adapter = $1 AND chat_channel = $2 AND chat_id = $3 ORDER BY seq DESC LIMIT 1',
      [ref.adapter, ref.channel, ref.id],
    );
  }

  async insertMessage(record: MessageRecord): Promise<boolean> {
    const pool = this.ready();
    const stored = parse<MessageRecord>(json(record));
    return this.order.write([`m:${record.key}`], () =>
      inTransaction(pool, async (client) => {
        const inserted = await client.query(
          `INSERT INTO puente_messages (key, conversation_id, at, chat_adapter, chat_channel, chat_id, data)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key) DO NOTHING`,
          [stored.key, stored.conversationId, stored.at, stored.chat?.adapter ?? null, stored.chat?.channel ?? null, stored.chat?.id ?? null, json(stored)],
        );
        if (inserted.rowCount === 0) return false;
        await claimWamids(client, stored.key, stored.wamids ?? []);
        return true;
      }),
    );
  }

  async updateMessage(key: string, patch: MessagePatch): Promise<void> {
    const pool = this.ready();
    // Fields set to undefined are removed, as the embedded store's JSON round trip removes them.
    const { key: _ignored, ...fields } = patch as MessagePatch & { key?: string };
    await this.order.write([`m:${key}`], () =>
      inTransaction(pool, async (client) => {
        const { rows } = await client.query<{ data: string }>('SELECT data FROM puente_messages WHERE key = $1 FOR UPDATE', [key]);
        if (!rows[0]) throw new Error(`updateMessage: no message with key ${key}`);
        const record = parse<MessageRecord>(json(Object.assign(parse<MessageRecord>(rows[0].data), fields)));
        await client.query(
          'UPDATE puente_messages SET chat_adapter = $2, chat_channel = $3, chat_id = $4, data = $5 WHERE key = $1',
          [key, record.chat?.adapter ?? null, record.chat?.channel ?? null, record.chat?.id ?? null, json(record)],
        );
        if ('wamids' in fields) {
          const wamids = record.wamids ?? [];
          await client.query('DELETE FROM puente_message_wamids WHERE message_key = $1 AND NOT (wamid = ANY($2::text[]))', [key, wamids]);
          await claimWamids(client, key, wamids);
        }
      }),
    );
  }

  async countMessages(): Promise<number> {
    return this.count('puente_messages', 'm:*');
  }

  // -------------------------------------------------------------------------------------------
  // Outbox
  // -------------------------------------------------------------------------------------------

  async appendOutbox(items: OutboxItem[]): Promise<void> {
    const pool = this.ready();
    const fresh = new Map<string, OutboxItem>();
    for (const item of items) if (!fresh.has(item.id)) fresh.set(item.id, parse<OutboxItem>(json(item)));
    const list = [...fresh.values()];
    // No items at all: nothing to write.
    if (list.length === 0) return;
    // One statement: the items land together or not at all, in the given order (seq follows it).
    await this.order.write(
      list.map((item) => `o:${item.id}`),
      () =>
        pool.query(
          `INSERT INTO puente_outbox (id, message_key, conversation_id, item)
           SELECT id, message_key, conversation_id, item
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS t(id, message_key, conversation_id, item, n)
            ORDER BY n
           ON CONFLICT (id) DO NOTHING`,
          [list.map((item) => item.id), list.map((item) => item.messageKey), list.map((item) => item.conversationId), list.map((item) => json(item))],
        ),
    );
  }

  async pendingOutbox(): Promise<OutboxItem[]> {
    return this.readMany<OutboxItem>(['o:*'], 'SELECT item AS data FROM puente_outbox WHERE result IS NULL ORDER BY seq', []);
  }

  /** Records the result even for an id the store never saw: a status webhook proves the send happened. */
  async completeOutbox(id: string, result: OutboxResult): Promise<void> {
    const pool = this.ready();
    await this.order.write([`o:${id}`], () =>
      pool.query(
        `INSERT INTO puente_outbox (id, message_key, result) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET result = excluded.result, item = NULL`,
        [id, messageKeyOfOutboxId(id), json(result)],
      ),
    );
  }

  async getOutboxResult(id: string): Promise<OutboxResult | undefined> {
    return this.readOne<OutboxResult>([`o:${id}`], 'SELECT result AS data FROM puente_outbox WHERE id = $1 AND result IS NOT NULL', [id]);
  }

  // -------------------------------------------------------------------------------------------
  // Contact policy
  // -------------------------------------------------------------------------------------------

  async getContactPolicy(): Promise<ContactPolicyState> {
    const pool = this.ready();
    return this.order.read([POLICY], async () => {
      const [blocked, optedOut, list, numbers, replies] = await Promise.all([
        pool.query<{ data: string }>('SELECT data FROM puente_blocked ORDER BY order_seq'),
        pool.query<{ data: string }>('SELECT data FROM puente_opted_out ORDER BY order_seq'),
        pool.query<{ imported_at: string; imported_by: string; file_name: string }>('SELECT imported_at, imported_by, file_name FROM puente_do_not_contact'),
        pool.query<{ number: string }>('SELECT number FROM puente_do_not_contact_numbers ORDER BY position'),
        pool.query<{ number_id: string; number: string; at: string }>('SELECT number_id, number, at FROM puente_blocked_replies'),
      ]);
      const header = list.rows[0];
      return {
        blocked: blocked.rows.map((row) => parse<BlockEntry>(row.data)),
        optedOut: optedOut.rows.map((row) => parse<OptOutEntry>(row.data)),
        doNotContact: header && {
          numbers: numbers.rows.map((row) => row.number),
          importedAt: toNumber(header.imported_at),
          importedBy: header.imported_by,
          fileName: header.file_name,
        },
        blockedReplies: Object.fromEntries(replies.rows.map((row) => [`${row.number_id}:${row.number}`, toNumber(row.at)])),
      } satisfies ContactPolicyState;
    });
  }

  async putBlock(entry: BlockEntry): Promise<void> {
    await this.putPolicyEntry('puente_blocked', entry);
  }

  async removeBlock(number: string): Promise<boolean> {
    const pool = this.ready();
    return this.order.write([POLICY], () =>
      inTransaction(pool, async (client) => {
        const removed = await client.query('DELETE FROM puente_blocked WHERE number = $1', [number]);
        await client.query('DELETE FROM puente_blocked_replies WHERE number = $1', [number]);
        return (removed.rowCount ?? 0) > 0;
      }),
    );
  }

  async putOptOut(entry: OptOutEntry): Promise<void> {
    await this.putPolicyEntry('puente_opted_out', entry);
  }

  async removeOptOut(number: string): Promise<boolean> {
    const pool = this.ready();
    const removed = await this.order.write([POLICY], () => pool.query('DELETE FROM puente_opted_out WHERE number = $1', [number]));
    return (removed.rowCount ?? 0) > 0;
  }

  async replaceDoNotContact(list: DoNotContactList): Promise<void> {
    const pool = this.ready();
    const numbers = [...new Set(list.numbers)];
    await this.order.write([POLICY], () =>
      inTransaction(pool, async (client) => {
        await client.query('DELETE FROM puente_do_not_contact_numbers');
        await client.query(
          `INSERT INTO puente_do_not_contact (singleton, imported_at, imported_by, file_name) VALUES (true, $1, $2, $3)
           ON CONFLICT (singleton) DO UPDATE SET imported_at = excluded.imported_at, imported_by = excluded.imported_by, file_name = excluded.file_name`,
          [list.importedAt, list.importedBy, list.fileName],
        );
        await client.query(
          'INSERT INTO puente_do_not_contact_numbers (number, position) SELECT number, n FROM unnest($1::text[]) WITH ORDINALITY AS t(number, n)',
          [numbers],
        );
      }),
    );
  }

  async noteBlockedReply(numberId: string, number: string, at: number): Promise<void> {
    const pool = this.ready();
    await this.order.write([POLICY], () =>
      pool.query(
        `INSERT INTO puente_blocked_replies (number_id, number, at) VALUES ($1, $2, $3)
         ON CONFLICT (number_id, number) DO UPDATE SET at = excluded.at`,
        [numberId, number, at],
      ),
    );
  }

  private async putPolicyEntry(table: 'puente_blocked' | 'puente_opted_out', entry: { number: string }): Promise<void> {
    const pool = this.ready();
    await this.order.write([POLICY], () =>
      pool.query(
        `INSERT INTO ${table} (number, data) VALUES ($1, $2)
         ON CONFLICT (number) DO UPDATE SET data = excluded.data, order_seq = nextval('puente_policy_order')`,
        [entry.number, json(entry)],
      ),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Erasure and retention: one transaction each, after every write called before them.
  // -------------------------------------------------------------------------------------------

  async eraseCustomer(number: string): Promise<ErasureReport> {
    const pool = this.ready();
    return this.order.exclusive(() =>
      inTransaction(pool, async (client) => {
        const conversations = await client.query<{ id: string }>(
          'DELETE FROM puente_conversations WHERE wa_id = $1 OR customer_key = $2 RETURNING id',
          [number, `wa:${number}`],
        );
        const ids = conversations.rows.map((row) => row.id);
        const messages = await client.query<{ key: string }>('DELETE FROM puente_messages WHERE conversation_id = ANY($1::text[]) RETURNING key', [ids]);
        const keys = messages.rows.map((row) => row.key);
        const sends = await client.query<{ pending: boolean }>(
          `DELETE FROM puente_outbox WHERE conversation_id = ANY($1::text[]) OR message_key = ANY($2::text[])
           RETURNING (result IS NULL AND conversation_id = ANY($1::text[])) AS pending`,
          [ids, keys],
        );
        const blocked = await client.query('DELETE FROM puente_blocked WHERE number = $1', [number]);
        const optedOut = await client.query('DELETE FROM puente_opted_out WHERE number = $1', [number]);
        const listed = await client.query('DELETE FROM puente_do_not_contact_numbers WHERE number = $1', [number]);
        await client.query('DELETE FROM puente_blocked_replies WHERE number = $1', [number]);
        return {
          conversations: ids.length,
          messages: keys.length,
          pendingSends: sends.rows.filter((row) => row.pending).length,
          blocked: (blocked.rowCount ?? 0) > 0,
          optedOut: (optedOut.rowCount ?? 0) > 0,
          doNotContact: (listed.rowCount ?? 0) > 0,
        };
      }),
    );
  }

  async pruneMessagesBefore(cutoff: number): Promise<number> {
    const pool = this.ready();
    return this.order.exclusive(() =>
      inTransaction(pool, async (client) => {
        const pruned = await client.query<{ key: string }>('DELETE FROM puente_messages WHERE at < $1 RETURNING key', [cutoff]);
        const keys = pruned.rows.map((row) => row.key);
        if (keys.length > 0) await client.query('DELETE FROM puente_outbox WHERE message_key = ANY($1::text[])', [keys]);
        return keys.length;
      }),
    );
  }

  // -------------------------------------------------------------------------------------------

  private ready(): pg.Pool {
    if (this.lost) throw new Error(`PostgreSQL store stopped: the writer lock was lost (${this.lost.message}); restart the bridge`);
    if (this.lifecycle !== 'open') throw new Error(`PostgreSQL store is ${this.lifecycle === 'closed' ? 'closed' : 'not open'}`);
    return this.pool!;
  }

  private async readMany<T>(dependsOn: string[], sql: string, values: unknown[]): Promise<T[]> {
    const pool = this.ready();
    return this.order.read(dependsOn, async () => (await pool.query<{ data: string }>(sql, values)).rows.map((row) => parse<T>(row.data)));
  }

  private async readOne<T>(dependsOn: string[], sql: string, values: unknown[]): Promise<T | undefined> {
    return (await this.readMany<T>(dependsOn, sql, values))[0];
  }

  private async count(table: 'puente_conversations' | 'puente_messages', dependsOn: string): Promise<number> {
    const pool = this.ready();
    return this.order.read([dependsOn], async () => toNumber((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n));
  }
}

/** The one key all policy changes share: they are few, and removeBlock touches two tables. */
const POLICY = 'policy';

/** Points each wamid at `key`: a wamid belongs to the message that claimed it last. */
async function claimWamids(client: pg.PoolClient, key: string, wamids: string[]): Promise<void> {
  if (wamids.length === 0) return;
  await client.query(
    `INSERT INTO puente_message_wamids (wamid, message_key) SELECT DISTINCT unnest($1::text[]), $2
     ON CONFLICT (wamid) DO UPDATE SET message_key = excluded.message_key`,
    [wamids, key],
  );
}
