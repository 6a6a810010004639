/** Shared helpers for the storage tests: a fresh temp DATA_DIR per test and sample records. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Conversation } from '../../bot/types.js';
import { EmbeddedStore, type EmbeddedStoreOptions } from '../../storage/embedded/embedded-store.js';
import type { MessageRecord, OutboxItem } from '../../storage/store.js';

export async function makeTempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'puente-store-'));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** fsync stays on: the tests should exercise the code path production uses. */
export async function openStore(dataDir: string, options: Partial<EmbeddedStoreOptions> = {}): Promise<EmbeddedStore> {
  const store = new EmbeddedStore({ dataDir, ...options });
  await store.open();
  return store;
}

export function conversation(id: string, overrides: Partial<Conversation> = {}): Conversation {
  return {
    id,
    numberId: '1001',
    customerKey: `wa:${id}`,
    customer: { waId: id, name: `Customer ${id}` },
    createdAt: 1_700_000_000_000,
    ...overrides,
  };
}

export function inboundMessage(key: string, overrides: Partial<MessageRecord> = {}): MessageRecord {
  return {
    key,
    direction: 'in',
    conversationId: 'c1',
    wamids: [key],
    chat: { adapter: 'slack', channel: 'C1', id: `ts-${key}`, threadId: 'ts-root' },
    excerpt: `hello from ${key}`,
    at: 1_700_000_000_000,
    ...overrides,
  };
}

export function outboxItem(id: string, overrides: Partial<OutboxItem> = {}): OutboxItem {
  return {
    id,
    messageKey: `slack:C1:${id}`,
    conversationId: 'c1',
    numberId: '1001',
    payload: { type: 'text', text: `reply ${id}` },
    createdAt: 1_700_000_000_000,
    ...overrides,
  };
}
