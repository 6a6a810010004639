/** Picks the store implementation from configuration. */
import type { Logger } from '../bot/logger.js';
import { EmbeddedStore } from './embedded/embedded-store.js';
import { PostgresStore } from './postgres/postgres-store.js';
import type { Store } from './store.js';

export type { Store } from './store.js';
export { EmbeddedStore } from './embedded/embedded-store.js';
export { PostgresStore } from './postgres/postgres-store.js';
export { DatabaseInUseError } from './postgres/writer-lock.js';

export interface CreateStoreOptions {
  /** DATA_DIR: where the embedded store keeps its files. */
  dataDir: string;
  logger: Logger;
  /** DATABASE_URL: selects PostgreSQL instead of the embedded store. */
  databaseUrl?: string;
  /** DATABASE_LOCK_NAME: names the PostgreSQL writer lock (default `puente`). */
  databaseLockName?: string;
  /**
   * What to do when the PostgreSQL session holding the writer lock is lost while running. Default:
   * exit the process (status 1) so that a supervisor restarts it; another bridge may already have
   * taken over the database, and this one must not go on sending.
   */
  onLockLost?: (error: Error) => void;
}

/** The embedded store unless a database URL is configured. The store still has to be opened. */
export function createStore(options: CreateStoreOptions): Store {
  if (options.databaseUrl) {
    const { logger } = options;
    return new PostgresStore({
      connectionString: options.databaseUrl,
      lockName: options.databaseLockName,
      logger,
      onLockLost:
        options.onLockLost ??
        ((error) => {
          logger.fatal({ err: error }, 'PostgreSQL writer lock lost: exiting so that the bridge restarts cleanly');
          process.exit(1);
        }),
    });
  }
  return new EmbeddedStore({ dataDir: options.dataDir, logger: options.logger });
}
