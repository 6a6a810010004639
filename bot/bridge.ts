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
import type { ChatCommand, ChatHandlers, CommandReply, ThreadAction } from './chat-adapter.js';
import { AccountAlerts } from './account-alerts.js';
import { AgentRelay } from './agent-relay.js';
import { BridgeContext, conversationIdOf, customerKeyOf, sleep, type BridgeOptions } from './bridge-context.js';
import { CustomerRelay } from './customer-relay.js';
import { InboundMedia } from './inbound-media.js';
import { MediaSpool } from './media-spool.js';
import { FileDelivery } from './outbound-files.js';
import { OutboundSender } from './outbound-sender.js';
import { ReplyDelivery } from './reply-delivery.js';
import { StatusRelay } from './status-relay.js';
import { CommandRouter } from './commands/command-router.js';
import { InboundPolicy } from './policy/inbound-policy.js';
import { RetentionPruner } from './policy/retention.js';
import { TemplateCatalog } from './templates/template-catalog.js';
import { TemplateSender } from './templates/template-sender.js';
import type { AgentChange, AgentMessage, AgentReaction, ThreadRef, WebhookEvent } from './types.js';
import type { InboxItem } from '../storage/store.js';

export { CUSTOMER_WINDOW_MS, conversationIdOf, customerKeyOf, type BridgeConfig, type BridgeOptions } from './bridge-context.js';
export { WHATSAPP_TEXT_LIMIT } from './agent-relay.js';

export class Bridge implements ChatHandlers {
  private readonly ctx: BridgeContext;
  private readonly customers: CustomerRelay;
  private readonly replies: ReplyDelivery;
  private readonly agents: AgentRelay;
  private readonly statuses: StatusRelay;
  private readonly spool: MediaSpool;
  private readonly inbound: InboundPolicy;
  private readonly commands: CommandRouter;
  private readonly alerts: AccountAlerts;
  private readonly retention: RetentionPruner | undefined;

  constructor(options: BridgeOptions) {
    this.ctx = new BridgeContext(options);
    const sender = new OutboundSender(
      options.whatsapp,
      new Map(options.config.numbers.map((number) => [number.phoneNumberId, number.sendRate])),
      options.logger,
      options.retryPolicy,
    );
    // One spool for both directions, so the bound on transfers at once holds across the bridge.
    this.spool = new MediaSpool({ dir: options.media?.spoolDir, concurrency: options.media?.concurrentTransfers });
    this.customers = new CustomerRelay(this.ctx, new InboundMedia(this.ctx, this.spool, { retryDelaysMs: options.media?.retryDelaysMs }));
    this.replies = new ReplyDelivery(this.ctx, sender, new FileDelivery(this.ctx, this.spool, sender));
    this.agents = new AgentRelay(this.ctx, this.replies);
    this.statuses = new StatusRelay(this.ctx);
    // Supervision and compliance (issue 5): the policy gate, commands, account alerts, retention.
    this.inbound = new InboundPolicy(this.ctx);
    const templates = new TemplateCatalog(options.whatsapp, options.logger, this.ctx.now);
    this.commands = new CommandRouter(this.ctx, { catalog: templates, sender: new TemplateSender(this.ctx, this.replies) });
    this.alerts = new AccountAlerts(this.ctx, templates);
    const retentionMs = options.config.messageRetentionMs;
    this.retention = retentionMs ? new RetentionPruner(options.store, retentionMs, options.logger, this.ctx.now) : undefined;
  }

  /** Resumes everything a previous run left unfinished. Call after the store is open. */
  async recover(): Promise<{ inbox: number; outbox: number }> {
    const { store, logger } = this.ctx;
    await this.spool.reset(); // half-transferred files of the previous run: their transfers start over
    // Pending sends first: statuses in pending webhooks may prove some of them were sent.
    const outbox = await store.pendingOutbox();
    this.replies.resume(outbox);
    const inbox = await store.pendingInbox();
    for (const item of inbox) this.ctx.track(this.processInboxItem(item, true));
    if (inbox.length + outbox.length > 0) {
      logger.info({ inbox: inbox.length, outbox: outbox.length }, 'resuming work left by the previous run');
    }
    this.retention?.start();
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
    await this.retention?.stop();
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

  onCommand(command: ChatCommand): Promise<CommandReply> {
    return this.ctx.track(this.commands.handle(command));
  }

  onThreadMenu(thread: ThreadRef): Promise<{ text: string; actions: ThreadAction[] }> {
    return this.commands.threadMenu(thread);
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
        const wamid = event.message.wamid;
        return this.ctx.lanes
          .run(`in:${conversationId}`, () =>
            this.ctx.chatWork(async () => {
              // A blocked number's message goes no further: neither stored nor posted.
              if (await this.inbound.dropsBlocked(event.message, number)) return;
              await this.ctx.withRetries(`message ${wamid}`, () => this.customers.handleInbound(event.message, number, customerKey, recovered));
              await this.inbound.applyKeywords(event.message, number, conversationId);
            }),
          )
          // A customer file still being retried keeps its webhook in the inbox until it is in the thread.
          .then(() => this.customers.followUp(wamid));
      }
      case 'status': {
        const { callbackData, wamid } = event.status;
        // Proof that a send in doubt went out must not queue behind other chat work: its grace period runs.
        if (callbackData) this.replies.prove(callbackData, wamid);
        return this.ctx.chatWork(() => this.statuses.handleStatus(event.status));
      }
      case 'error':
        this.ctx.logger.warn({ numberId: event.numberId, errors: event.errors }, 'WhatsApp reported an error for a number');
        return Promise.resolve();
      case 'account':
        return this.alerts.handle(event);
      case 'ignored':
        this.ctx.logger.debug({ field: event.field, reason: event.reason }, 'webhook part ignored');
        return Promise.resolve();
    }
  }
}
