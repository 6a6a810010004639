/** Picks the store implementation from configuration. */
import type { Logger } from '../bot/logger.js';
import { EmbeddedStore } from './embedded/embedded-store.js';
import type { Store } from './store.js';

export type { Store } from './store.js';
export { EmbeddedStore } from './embedded/embedded-store.js';

export interface CreateStoreOptions {
  /** DATA_DIR: where the embedded store keeps its files. */
  dataDir: string;
  logger: Logger;
  /** DATABASE_URL: selects PostgreSQL instead of the embedded store. */
  databaseUrl?: string;
}

/** The embedded store unless a database URL is configured. The store still has to be opened. */
export function createStore(options: CreateStoreOptions): Store {
  if (options.databaseUrl) {
    throw new Error('PostgreSQL store not available yet: unset DATABASE_URL to use the embedded store under DATA_DIR');
  }
  return new EmbeddedStore({ dataDir: options.dataDir, logger: options.logger });
}
