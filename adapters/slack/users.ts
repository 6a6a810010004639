/**
 * Display names of Slack users (agents, and people mentioned in their replies), from `users.info`,
 * cached: every agent reply needs its author's name and names rarely change.
 */
import type { webApi } from '@slack/bolt';
import type { Logger } from '../../bot/logger.js';
import { callSlack } from './errors.js';
import type { UserNames } from './format.js';

/** How long a looked-up name is trusted before it is looked up again. */
export const USER_NAME_TTL_MS = 60 * 60 * 1000;

export class SlackUserDirectory {
  private readonly cache = new Map<string, { name: string; expiresAt: number }>();

  constructor(
    private readonly client: webApi.WebClient,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Looks up the names of `userIds` not already cached and returns a lookup over the cache. A failed
   * lookup is logged, not thrown: the reply still reaches the customer, unsigned or with the raw id.
   */
  async names(userIds: string[]): Promise<UserNames> {
    await Promise.all(userIds.filter((id) => !this.cached(id)).map((id) => this.lookUp(id)));
    return (id) => this.cached(id);
  }

  private cached(userId: string): string | undefined {
    const entry = this.cache.get(userId);
    return entry && entry.expiresAt > this.now() ? entry.name : undefined;
  }

  private async lookUp(userId: string): Promise<void> {
    try {
      const { user } = await callSlack('users.info', () => this.client.users.info({ user: userId }));
      const name = user?.profile?.display_name || user?.real_name || user?.profile?.real_name || user?.name;
      if (name) this.cache.set(userId, { name, expiresAt: this.now() + USER_NAME_TTL_MS });
    } catch (error) {
      this.logger.warn({ err: error, userId }, 'slack: could not look up a user name');
    }
  }
}
