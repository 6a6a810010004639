/**
 * The PostgreSQL schema and its migrations, applied in order at open() in one transaction.
 * `puente_meta.schema_version` says how many have run; a database migrated by a newer Puente is
 * refused rather than guessed at. Add a migration at the end; never change one that has shipped.
 *
 * Record bodies are kept as JSON text (`data`), exactly what the embedded journal stores, so a
 * record reads back as the JSON round trip of what was written; the columns beside it exist to be
 * indexed. Text rather than jsonb: jsonb refuses `\u0000` and reorders keys, and nothing queries
 * inside the bodies. Times (ms) are double precision, as JavaScript numbers are, so they read back
 * exactly whatever a caller passed.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';

const MIGRATIONS: readonly string[] = [
  // 1: everything the Store interface needs.
  `
  CREATE TABLE puente_inbox (
    seq bigserial PRIMARY KEY,
    id text NOT NULL UNIQUE,
    source text NOT NULL,
    -- bytea: the exact body, even one holding a NUL character, which text columns refuse.
    body bytea NOT NULL,
    received_at double precision NOT NULL
  );

  CREATE TABLE puente_conversations (
    id text PRIMARY KEY,
    customer_key text NOT NULL,
    wa_id text,
    thread_adapter text,
    thread_channel text,
    thread_id text,
    saved_seq bigserial NOT NULL,
    data text NOT NULL
  );
  CREATE INDEX puente_conversations_thread ON puente_conversations (thread_adapter, thread_channel, thread_id)
    WHERE thread_id IS NOT NULL;
  CREATE INDEX puente_conversations_customer_key ON puente_conversations (customer_key);
  CREATE INDEX puente_conversations_wa_id ON puente_conversations (wa_id);

  CREATE TABLE puente_messages (
    key text PRIMARY KEY,
    seq bigserial NOT NULL,
    conversation_id text NOT NULL,
    at double precision NOT NULL,
    chat_adapter text,
    chat_channel text,
    chat_id text,
    data text NOT NULL
  );
  CREATE INDEX puente_messages_chat ON puente_messages (chat_adapter, chat_channel, chat_id) WHERE chat_id IS NOT NULL;
  CREATE INDEX puente_messages_conversation ON puente_messages (conversation_id);
  CREATE INDEX puente_messages_at ON puente_messages (at);

  -- A message has several wamids (one per part); a wamid belongs to the message that claimed it last.
  CREATE TABLE puente_message_wamids (
    wamid text PRIMARY KEY,
    message_key text NOT NULL REFERENCES puente_messages (key) ON DELETE CASCADE
  );
  CREATE INDEX puente_message_wamids_message ON puente_message_wamids (message_key);

  -- A finished send keeps only its result (item is NULL), like the embedded store.
  CREATE TABLE puente_outbox (
    id text PRIMARY KEY,
    seq bigserial NOT NULL,
    message_key text NOT NULL,
    conversation_id text,
    item text,
    result text
  );
  CREATE INDEX puente_outbox_pending ON puente_outbox (seq) WHERE result IS NULL;
  CREATE INDEX puente_outbox_conversation ON puente_outbox (conversation_id);
  CREATE INDEX puente_outbox_message ON puente_outbox (message_key);

  -- Contact policy: small, changed by people. order_seq keeps the embedded store's order (a put moves an entry last).
  CREATE SEQUENCE puente_policy_order;
  CREATE TABLE puente_blocked (
    number text PRIMARY KEY,
    order_seq bigint NOT NULL DEFAULT nextval('puente_policy_order'),
    data text NOT NULL
  );
  CREATE TABLE puente_opted_out (
    number text PRIMARY KEY,
    order_seq bigint NOT NULL DEFAULT nextval('puente_policy_order'),
    data text NOT NULL
  );
  CREATE TABLE puente_do_not_contact (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    imported_at double precision NOT NULL,
    imported_by text NOT NULL,
    file_name text NOT NULL
  );
  CREATE TABLE puente_do_not_contact_numbers (
    number text PRIMARY KEY,
    position integer NOT NULL
  );
  CREATE TABLE puente_blocked_replies (
    number_id text NOT NULL,
    number text NOT NULL,
    at double precision NOT NULL,
    PRIMARY KEY (number_id, number)
  );
  CREATE INDEX puente_blocked_replies_number ON puente_blocked_replies (number);
  `,
];

/** How many migrations this version knows. */
export const SCHEMA_VERSION = MIGRATIONS.length;

export interface DatabaseMeta {
  schemaVersion: number;
  instanceId: string;
  createdAt: number;
}

/**
 * Brings the schema in `client`'s search_path up to date, in one transaction: a crash mid-way
 * leaves the previous version, and two bridges opening at once cannot both migrate (the writer lock
 * is held before this runs; the table lock below covers anything that skipped it).
 */
export async function migrate(client: pg.ClientBase, now = Date.now()): Promise<DatabaseMeta> {
  await client.query('BEGIN');
  try {
    await client.query('CREATE TABLE IF NOT EXISTS puente_meta (key text PRIMARY KEY, value text NOT NULL)');
    await client.query('LOCK TABLE puente_meta IN EXCLUSIVE MODE');
    const rows = (await client.query<{ key: string; value: string }>('SELECT key, value FROM puente_meta')).rows;
    const meta = new Map(rows.map((row) => [row.key, row.value]));
    const current = Number(meta.get('schema_version') ?? 0);
    if (current > SCHEMA_VERSION) {
      throw new Error(`the database was migrated by a newer Puente (schema ${current}, this one knows up to ${SCHEMA_VERSION}); upgrade Puente`);
    }
    for (let version = current; version < SCHEMA_VERSION; version += 1) await client.query(MIGRATIONS[version]!);
    const upsert = 'INSERT INTO puente_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value';
    if (current !== SCHEMA_VERSION) await client.query(upsert, ['schema_version', String(SCHEMA_VERSION)]);
    if (!meta.has('instance_id')) {
      meta.set('instance_id', randomUUID());
      meta.set('created_at', String(now));
      await client.query(upsert, ['instance_id', meta.get('instance_id')]);
      await client.query(upsert, ['created_at', meta.get('created_at')]);
    }
    await client.query('COMMIT');
    return { schemaVersion: SCHEMA_VERSION, instanceId: meta.get('instance_id')!, createdAt: Number(meta.get('created_at')) };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
