/**
 * Retention (MESSAGE_RETENTION_DAYS): message records older than the period are pruned from the
 * store at start and then once a day. Conversations stay (they are the thread mapping); what the
 * customer and agents said goes.
 */
import type { Logger } from '../logger.js';
import type { Store } from '../../storage/store.js';

const PRUNE_EVERY_MS = 24 * 60 * 60 * 1000;

export class RetentionPruner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly retentionMs: number,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  start(): void {
    void this.pruneNow();
    this.timer = setInterval(() => void this.pruneNow(), PRUNE_EVERY_MS);
    this.timer.unref(); // never keeps the process alive on its own
  }

  /** Resolves when the pruning in progress (if any) is done. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  pruneNow(): Promise<void> {
    this.running ??= this.store
      .pruneMessagesBefore(this.now() - this.retentionMs)
      .then(
        (pruned) => {
          if (pruned > 0) this.logger.info({ pruned, retentionDays: this.retentionMs / 86_400_000 }, 'old message records pruned');
        },
        (error: unknown) => this.logger.error({ err: error }, 'pruning old message records failed; it is tried again tomorrow'),
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }
}
