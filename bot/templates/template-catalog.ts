/**
 * The templates of each WhatsApp Business Account, cached: listing them counts against Meta's WABA
 * management rate limit (reference §6), and commands must answer within the chat tool's 3 seconds.
 * A list is fetched when first needed or once it is older than the TTL, and fetched again at once
 * when a `message_template_status_update` webhook says a template of that account changed.
 */
import type { Logger } from '../logger.js';
import type { MessageTemplate } from '../types.js';
import type { WhatsAppPort } from '../whatsapp-port.js';

export const TEMPLATE_CACHE_TTL_MS = 15 * 60 * 1000;

interface CacheEntry {
  fetchedAt: number;
  templates: Promise<MessageTemplate[]>;
}

export class TemplateCatalog {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly whatsapp: Pick<WhatsAppPort, 'listTemplates'>,
    private readonly logger: Logger,
    private readonly now: () => number,
    private readonly ttlMs = TEMPLATE_CACHE_TTL_MS,
  ) {}

  /** Every template of the account, whatever its status. Concurrent callers share one fetch. */
  templates(businessAccountId: string): Promise<MessageTemplate[]> {
    const cached = this.cache.get(businessAccountId);
    if (cached && this.now() - cached.fetchedAt < this.ttlMs) return cached.templates;
    return this.fetch(businessAccountId);
  }

  async approved(businessAccountId: string): Promise<MessageTemplate[]> {
    return (await this.templates(businessAccountId)).filter((template) => template.status.toUpperCase() === 'APPROVED');
  }

  /** A template of the account changed (webhook, or a send refused for a stale template): fetch again now. */
  refresh(businessAccountId: string): void {
    this.fetch(businessAccountId).catch((error: unknown) => {
      this.logger.warn({ businessAccountId, err: error }, 'templates could not be fetched again; the next command tries again');
    });
  }

  private fetch(businessAccountId: string): Promise<MessageTemplate[]> {
    const templates = this.whatsapp.listTemplates(businessAccountId);
    const entry: CacheEntry = { fetchedAt: this.now(), templates };
    this.cache.set(businessAccountId, entry);
    // A failed fetch is not cached: the next call asks again.
    templates.catch(() => {
      if (this.cache.get(businessAccountId) === entry) this.cache.delete(businessAccountId);
    });
    return templates;
  }
}
