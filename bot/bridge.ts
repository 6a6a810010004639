/**
 * The bridge core: routes WhatsApp conversations to chat threads and agents' replies back.
 *
 * Durability: a webhook is appended to the inbox before it is acknowledged and completed only after
 * every event in it is handled; an agent's reply is in the outbox before the chat tool is
 * acknowledged. After a crash, pending inbox items are replayed with `recovered` set, so posts that
 * may already have happened are looked up (`findPosted`) rather than repeated, and pending sends wait
 * for the status webhook that would prove they went out before being re-sent.
 *
 * This class owns the lifecycle and the routing of webhook events; the work itself lives in
 * CustomerRelay (WhatsApp → chat), AgentRelay and ReplyDelivery (chat → WhatsApp) and StatusRelay.
 */
import type { ChatHandlers } from './chat-adapter.js';
import { AgentRelay } from './agent-relay.js';
import { BridgeContext, conversationIdOf, customerKeyOf, sleep, type BridgeOptions } from './bridge-context.js';
import { CustomerRelay } from './customer-relay.js';
import { OutboundSender } from './outbound-sender.js';
import { ReplyDelivery } from './reply-delivery.js';
import { StatusRelay } from './status-relay.js';
import type { AgentChange, AgentMessage, AgentReaction, WebhookEvent } from './types.js';
import type { InboxItem } from '../storage/store.js';

export { CUSTOMER_WINDOW_MS, conversationIdOf, customerKeyOf, type BridgeConfig, type BridgeOptions } from './bridge-context.js';
export { WHATSAPP_TEXT_LIMIT } from './agent-relay.js';

export class Bridge implements ChatHandlers {
  private readonly ctx: BridgeContext;
  private readonly customers: CustomerRelay;
  private readonly replies: ReplyDelivery;
  private readonly agents: AgentRelay;
  private readonly statuses: StatusRelay;

  constructor(options: BridgeOptions) {
    this.ctx = new BridgeContext(options);
    const sender = new OutboundSender(
      options.whatsapp,
      new Map(options.config.numbers.map((number) => [number.phoneNumberId, number.sendRate])),
      options.logger,
      options.retryPolicy,
    );
    this.customers = new CustomerRelay(this.ctx);
    this.replies = new ReplyDelivery(this.ctx, sender);
    this.agents = new AgentRelay(this.ctx, this.replies);
    this.statuses = new StatusRelay(this.ctx, this.replies);
  }

  /** Resumes everything a previous run left unfinished. Call after the store is open. */
  async recover(): Promise<{ inbox: number; outbox: number }> {
    const { store, logger } = this.ctx;
    // Pending sends first: statuses in pending webhooks may prove some of them were sent.
    const outbox = await store.pendingOutbox();
    this.replies.resume(outbox);
    const inbox = await store.pendingInbox();
    for (const item of inbox) this.ctx.track(this.processInboxItem(item, true));
    if (inbox.length + outbox.length > 0) {
      logger.info({ inbox: inbox.length, outbox: outbox.length }, 'resuming work left by the previous run');
    }
    return { inbox: inbox.length, outbox: outbox.length };
  }

  /** Resolves when all work accepted so far has finished (or given up for this run). */
  idle(): Promise<void> {
    return this.ctx.idle();
  }

  /** Stops taking new work and waits (up to `timeoutMs`) for work in flight; the rest resumes at next start. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.ctx.stopping = true;
    this.replies.abandonWaits();
    await Promise.race([this.ctx.idle(), sleep(timeoutMs)]);
  }

  // Chat tool → WhatsApp (ChatHandlers): each resolves once the event is durably accepted.

  onAgentMessage(message: AgentMessage): Promise<void> {
    return this.agents.onAgentMessage(message);
  }

  onAgentReaction(reaction: AgentReaction): Promise<void> {
    return this.agents.onAgentReaction(reaction);
  }

  onAgentChange(change: AgentChange): Promise<void> {
    return this.agents.onAgentChange(change);
  }

  // WhatsApp → chat tool

  /** Stores a verified webhook body; resolves once it is durable (then the caller answers 200). */
  async acceptWhatsAppWebhook(body: string, receivedAt = this.ctx.now()): Promise<void> {
    const item = await this.ctx.store.appendInbox('whatsapp', body, receivedAt);
    this.ctx.track(this.processInboxItem(item, false));
  }

  private async processInboxItem(item: InboxItem, recovered: boolean): Promise<void> {
    const parsed = this.ctx.options.parseWebhook(item.body);
    if (!parsed.ok) {
      this.ctx.logger.warn({ inboxId: item.id, reason: parsed.reason, bytes: item.body.length }, 'webhook body rejected');
      await this.ctx.store.completeInbox(item.id);
      return;
    }
    for (const warning of parsed.warnings) this.ctx.logger.warn({ inboxId: item.id, warning }, 'webhook part skipped');
    // Events are put into their lanes synchronously here, in webhook order.
    const results = await Promise.allSettled(parsed.events.map((event) => this.routeEvent(event, recovered)));
    const failed = results.filter((result) => result.status === 'rejected');
    if (failed.length > 0) {
      // Left pending on purpose: the next start replays it (duplicates are skipped), nothing is lost.
      this.ctx.logger.error(
        { inboxId: item.id, failures: failed.map((result) => String((result as PromiseRejectedResult).reason)) },
        'webhook left pending after repeated failures; it will be retried at the next start',
      );
      return;
    }
    await this.ctx.store.completeInbox(item.id);
  }

  private routeEvent(event: WebhookEvent, recovered: boolean): Promise<void> {
    switch (event.type) {
      case 'message': {
        const number = this.ctx.numbers.get(event.message.numberId);
        const customerKey = customerKeyOf(event.message.customer);
        if (!number) {
          this.ctx.logger.warn({ numberId: event.message.numberId, wamid: event.message.wamid }, 'message for an unconfigured number ignored');
          return Promise.resolve();
        }
        if (!customerKey) {
          this.ctx.logger.warn({ wamid: event.message.wamid }, 'message without a customer id ignored');
          return Promise.resolve();
        }
        const conversationId = conversationIdOf(number.phoneNumberId, customerKey);
        return this.ctx.lanes.run(`in:${conversationId}`, () =>
          this.ctx.withRetries(`message ${event.message.wamid}`, () => this.customers.handleInbound(event.message, number, customerKey, recovered)),
        );
      }
      case 'status':
        return this.statuses.handleStatus(event.status);
      case 'error':
        this.ctx.logger.warn({ numberId: event.numberId, errors: event.errors }, 'WhatsApp reported an error for a number');
        return Promise.resolve();
      case 'account':
        this.ctx.logger.info({ field: event.field, wabaId: event.wabaId }, 'account webhook received');
        return Promise.resolve();
      case 'ignored':
        this.ctx.logger.debug({ field: event.field, reason: event.reason }, 'webhook part ignored');
        return Promise.resolve();
    }
  }
}
