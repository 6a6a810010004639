/**
 * The bridge core: routes WhatsApp conversations to chat threads and agents' replies back.
 *
 * Durability: a webhook is appended to the inbox before it is acknowledged and completed only after
 * every event in it is handled; an agent's reply is in the outbox before the chat tool is
 * acknowledged. After a crash, pending inbox items are replayed with `recovered` set, so posts that
 * may already have happened are looked up (`findPosted`) rather than repeated, and pending sends wait
 * for the status webhook that would prove they went out before being re-sent.
 */
import type { ChatAdapter, ChatHandlers, Notice, PostSender } from './chat-adapter.js';
import { RetryableChatError } from './chat-adapter.js';
import { catalogue, fill, say, type Language } from './catalogue.js';
import { advances, isDeliveryState } from './delivery-state.js';
import { Lanes } from './lanes.js';
import type { Logger } from './logger.js';
import { OutboundSender, type RetryPolicy, type SendOutcome } from './outbound-sender.js';
import { renderContent, renderPreamble } from './render-inbound.js';
import { excerpt, splitText } from './text.js';
import type {
  AgentChange,
  AgentMessage,
  AgentReaction,
  ChatMessageRef,
  Conversation,
  Customer,
  DeliveryStatus,
  InboundMessage,
  ThreadRef,
  WebhookEvent,
} from './types.js';
import type { WebhookParser, WhatsAppPort } from './whatsapp-port.js';
import type { Config, NumberConfig } from '../config/types.js';
import type { InboxItem, MessageRecord, OutboxItem, OutboxResult, Store } from '../storage/store.js';

/** WhatsApp's customer-service window: free-form messages only within 24 h of the customer's last message. */
export const CUSTOMER_WINDOW_MS = 24 * 60 * 60 * 1000;
/** WhatsApp's text body limit. */
export const WHATSAPP_TEXT_LIMIT = 4096;

export type BridgeConfig = Pick<Config, 'numbers' | 'internalNotePrefix' | 'agentSignature' | 'customerIconUrl' | 'inDoubtGraceMs'>;

export interface BridgeOptions {
  config: BridgeConfig;
  store: Store;
  whatsapp: WhatsAppPort;
  parseWebhook: WebhookParser;
  adapters: ReadonlyMap<string, ChatAdapter>;
  logger: Logger;
  now?: () => number;
  retryPolicy?: RetryPolicy;
}

/** The stable id of a (business number, customer) conversation. */
export function customerKeyOf(customer: Customer): string | undefined {
  if (customer.waId) return `wa:${customer.waId}`;
  if (customer.userId) return `user:${customer.userId}`;
  return undefined;
}

export function conversationIdOf(numberId: string, customerKey: string): string {
  return `${numberId}/${customerKey}`;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Failures that are not worth retrying within this process run (a bug, a misconfigured channel). */
const MAX_PERMANENT_ATTEMPTS = 3;

export class Bridge implements ChatHandlers {
  private readonly numbers: ReadonlyMap<string, NumberConfig>;
  private readonly lanes = new Lanes();
  private readonly sender: OutboundSender;
  private readonly now: () => number;
  /** Outbox ids queued for sending in this process, so a chat-tool retry does not queue them twice. */
  private readonly queuedSends = new Set<string>();
  /** Sends whose outcome is unknown after a crash, waiting for the status webhook that proves they went out. */
  private readonly inDoubt = new Map<string, (wamid: string | undefined) => void>();
  private readonly work = new Set<Promise<unknown>>();
  private stopping = false;

  constructor(private readonly options: BridgeOptions) {
    this.numbers = new Map(options.config.numbers.map((number) => [number.phoneNumberId, number]));
    this.now = options.now ?? Date.now;
    this.sender = new OutboundSender(
      options.whatsapp,
      new Map(options.config.numbers.map((number) => [number.phoneNumberId, number.sendRate])),
      options.logger,
      options.retryPolicy,
    );
  }

  private get store(): Store {
    return this.options.store;
  }

  private get logger(): Logger {
    return this.options.logger;
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle
  // -------------------------------------------------------------------------------------------

  /** Resumes everything a previous run left unfinished. Call after the store is open. */
  async recover(): Promise<{ inbox: number; outbox: number }> {
    // Pending sends first: statuses in pending webhooks may prove some of them were sent.
    const outbox = await this.store.pendingOutbox();
    for (const item of outbox) this.queueSend(item, { inDoubt: true });
    const inbox = await this.store.pendingInbox();
    for (const item of inbox) this.track(this.processInboxItem(item, true));
    if (inbox.length + outbox.length > 0) {
      this.logger.info({ inbox: inbox.length, outbox: outbox.length }, 'resuming work left by the previous run');
    }
    return { inbox: inbox.length, outbox: outbox.length };
  }

  /** Resolves when all work accepted so far has finished (or given up for this run). */
  async idle(): Promise<void> {
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
    await this.lanes.idle();
  }

  /** Stops taking new work and waits (up to `timeoutMs`) for work in flight; the rest resumes at next start. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopping = true;
    for (const resolve of this.inDoubt.values()) resolve(undefined);
    await Promise.race([this.idle(), sleep(timeoutMs)]);
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.work.add(promise);
    void promise.finally(() => this.work.delete(promise)).catch(() => undefined);
    return promise;
  }

  // -------------------------------------------------------------------------------------------
  // WhatsApp → chat
  // -------------------------------------------------------------------------------------------

  /** Stores a verified webhook body; resolves once it is durable (then the caller answers 200). */
  async acceptWhatsAppWebhook(body: string, receivedAt = this.now()): Promise<void> {
    const item = await this.store.appendInbox('whatsapp', body, receivedAt);
    this.track(this.processInboxItem(item, false));
  }

  private async processInboxItem(item: InboxItem, recovered: boolean): Promise<void> {
    const parsed = this.options.parseWebhook(item.body);
    if (!parsed.ok) {
      this.logger.warn({ inboxId: item.id, reason: parsed.reason, bytes: item.body.length }, 'webhook body rejected');
      await this.store.completeInbox(item.id);
      return;
    }
    for (const warning of parsed.warnings) this.logger.warn({ inboxId: item.id, warning }, 'webhook part skipped');
    // Events are put into their lanes synchronously here, in webhook order.
    const results = await Promise.allSettled(parsed.events.map((event) => this.routeEvent(event, recovered)));
    const failed = results.filter((result) => result.status === 'rejected');
    if (failed.length > 0) {
      // Left pending on purpose: the next start replays it (duplicates are skipped), nothing is lost.
      this.logger.error(
        { inboxId: item.id, failures: failed.map((result) => String((result as PromiseRejectedResult).reason)) },
        'webhook left pending after repeated failures; it will be retried at the next start',
      );
      return;
    }
    await this.store.completeInbox(item.id);
  }

  private routeEvent(event: WebhookEvent, recovered: boolean): Promise<void> {
    switch (event.type) {
      case 'message': {
        const number = this.numbers.get(event.message.numberId);
        const customerKey = customerKeyOf(event.message.customer);
        if (!number) {
          this.logger.warn({ numberId: event.message.numberId, wamid: event.message.wamid }, 'message for an unconfigured number ignored');
          return Promise.resolve();
        }
        if (!customerKey) {
          this.logger.warn({ wamid: event.message.wamid }, 'message without a customer id ignored');
          return Promise.resolve();
        }
        const conversationId = conversationIdOf(number.phoneNumberId, customerKey);
        return this.lanes.run(`in:${conversationId}`, () =>
          this.withRetries(`message ${event.message.wamid}`, () => this.handleInbound(event.message, number, customerKey, recovered)),
        );
      }
      case 'status':
        return this.handleStatus(event.status);
      case 'error':
        this.logger.warn({ numberId: event.numberId, errors: event.errors }, 'WhatsApp reported an error for a number');
        return Promise.resolve();
      case 'account':
        this.logger.info({ field: event.field, wabaId: event.wabaId }, 'account webhook received');
        return Promise.resolve();
      case 'ignored':
        this.logger.debug({ field: event.field, reason: event.reason }, 'webhook part ignored');
        return Promise.resolve();
    }
  }

  /** Retries chat-tool failures: rate limits and outages until they pass, anything else a few times. */
  private async withRetries<T>(what: string, task: () => Promise<T>): Promise<T> {
    let permanentFailures = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        return await task();
      } catch (error) {
        if (this.stopping) throw error;
        if (error instanceof RetryableChatError) {
          const delay = error.retryAfterMs ?? Math.min(500 * 2 ** Math.min(attempt, 7), 60_000);
          this.logger.info({ what, attempt, delayMs: delay, error: error.message }, 'chat tool busy; retrying');
          await sleep(delay);
          continue;
        }
        permanentFailures++;
        this.logger.error({ what, attempt, err: error }, 'bridging failed');
        if (permanentFailures >= MAX_PERMANENT_ATTEMPTS) throw error;
        await sleep(250 * permanentFailures);
      }
    }
  }

  private adapterFor(number: NumberConfig): ChatAdapter {
    const adapter = this.options.adapters.get(number.adapter);
    if (!adapter) throw new Error(`no chat adapter "${number.adapter}" for number ${number.phoneNumberId}`);
    return adapter;
  }

  private async handleInbound(message: InboundMessage, number: NumberConfig, customerKey: string, recovered: boolean): Promise<void> {
    if (await this.store.getMessage(message.wamid)) {
      this.logger.debug({ wamid: message.wamid }, 'duplicate message skipped');
      return;
    }
    const conversation = await this.conversationFor(message, number, customerKey);
    const adapter = this.adapterFor(number);
    const thread = await this.ensureThread(conversation, number, adapter, recovered);
    const language = number.language;
    const content = message.content;

    let chat: ChatMessageRef | undefined;
    let text: string | undefined;
    if (content.kind === 'reaction') {
      await this.relayCustomerReaction(content.targetWamid, content.emoji, thread, adapter, language);
    } else {
      let quote: { author?: string; text: string } | undefined;
      if (content.kind === 'edit' || content.kind === 'revoke') {
        const original = await this.store.findMessageByWamid(content.targetWamid);
        if (original?.excerpt) quote = { text: original.excerpt };
        text =
          content.kind === 'revoke'
            ? say(language, 'inbound.revoke')
            : say(language, original ? 'inbound.edit' : 'inbound.edit.unknown', { text: renderContent(language, content.content) ?? '' });
      } else {
        text = renderContent(language, content) ?? '';
        if (message.context?.quotedWamid) {
          const quoted = await this.store.findMessageByWamid(message.context.quotedWamid);
          if (quoted?.excerpt) quote = { text: quoted.excerpt, author: quoted.direction === 'in' ? conversation.customer.name : number.displayName };
        }
      }
      const body = [...renderPreamble(language, message), text].filter((line) => line.length > 0).join('\n');
      const key = `in:${message.wamid}`;
      chat = recovered ? await adapter.findPosted(thread.channel, thread, key) : undefined;
      chat ??= await adapter.post(thread, { text: body, sender: this.customerSender(conversation), quote, key });
    }

    await this.store.insertMessage({
      key: message.wamid,
      direction: 'in',
      conversationId: conversation.id,
      wamids: [message.wamid],
      chat,
      excerpt: text ? excerpt(text) : undefined,
      at: message.timestamp,
    });
  }

  private customerSender(conversation: Conversation): PostSender {
    const { customer } = conversation;
    const name = customer.name ?? (customer.waId ? `+${customer.waId}` : customer.username ?? 'WhatsApp');
    return { name, iconUrl: this.options.config.customerIconUrl, iconEmoji: '👤' };
  }

  private async relayCustomerReaction(
    targetWamid: string,
    emoji: string | undefined,
    thread: ThreadRef,
    adapter: ChatAdapter,
    language: Language,
  ): Promise<void> {
    const target = await this.store.findMessageByWamid(targetWamid);
    const removed = !emoji;
    if (!target?.chat) {
      if (!removed) await adapter.notify(thread, { kind: 'info', text: say(language, 'inbound.reaction.unknown', { emoji }) });
      return;
    }
    if (!adapter.capabilities.reactions) {
      if (!removed) await adapter.post(thread, { text: `${emoji}`, key: `reaction:${targetWamid}:${emoji}` });
      return;
    }
    // WhatsApp allows one reaction per person per message: a new one replaces the old.
    if (target.reaction && target.reaction !== emoji) await adapter.react(target.chat, target.reaction, true);
    if (emoji) await adapter.react(target.chat, emoji, false);
    await this.store.updateMessage(target.key, { reaction: emoji ?? '' });
  }

  private async conversationFor(message: InboundMessage, number: NumberConfig, customerKey: string): Promise<Conversation> {
    const id = conversationIdOf(number.phoneNumberId, customerKey);
    const existing = await this.store.getConversation(id);
    // System notices (number changed, …) are not the customer writing: they do not open the window.
    const opensWindow = message.content.kind !== 'system';
    const conversation: Conversation = existing
      ? { ...existing, customer: { ...existing.customer, ...definedFields(message.customer) } }
      : { id, numberId: number.phoneNumberId, customerKey, customer: message.customer, createdAt: this.now() };
    if (opensWindow && message.timestamp > (conversation.lastInboundAt ?? 0)) conversation.lastInboundAt = message.timestamp;
    if (!existing || JSON.stringify(existing) !== JSON.stringify(conversation)) await this.store.saveConversation(conversation);
    return conversation;
  }

  private async ensureThread(conversation: Conversation, number: NumberConfig, adapter: ChatAdapter, recovered: boolean): Promise<ThreadRef> {
    const current = conversation.thread;
    // A thread stays valid while the number still routes to the same adapter and channel.
    if (current && current.adapter === adapter.name && current.channel === number.channel) return current;

    const key = `thread:${conversation.id}:${adapter.name}:${number.channel}`;
    let thread: ThreadRef | undefined;
    if (recovered) {
      const root = await adapter.findPosted(number.channel, undefined, key);
      if (root) thread = { adapter: adapter.name, channel: root.channel, id: root.id };
    }
    if (!thread) {
      const language = number.language;
      const { customer } = conversation;
      const returning = current !== undefined || (await this.isKnownElsewhere(conversation));
      const customerName = customer.name ?? say(language, 'customer.unknown');
      const customerNumber = customer.waId ? `+${customer.waId}` : customer.username ?? customer.userId ?? '';
      const text = [
        say(language, returning ? 'thread.header.returning' : 'thread.header.new', {
          customer: customerName,
          number: customerNumber,
          line: number.displayName,
        }),
        say(language, 'thread.header.hint', { notePrefix: this.options.config.internalNotePrefix }),
      ].join('\n');
      thread = await adapter.openThread(number.channel, {
        customerName,
        customerNumber,
        lineName: number.displayName,
        returning,
        text,
        key,
      });
    }
    conversation.thread = thread;
    await this.store.saveConversation(conversation);
    return thread;
  }

  /** A customer is "returning" when another business line already talks with them. */
  private async isKnownElsewhere(conversation: Conversation): Promise<boolean> {
    for (const numberId of this.numbers.keys()) {
      if (numberId === conversation.numberId) continue;
      if (await this.store.getConversation(conversationIdOf(numberId, conversation.customerKey))) return true;
    }
    return false;
  }

  // -------------------------------------------------------------------------------------------
  // Delivery statuses
  // -------------------------------------------------------------------------------------------

  private async handleStatus(status: DeliveryStatus): Promise<void> {
    const outboxId = status.callbackData;
    // A status carrying our outbox id proves that send happened, even if we crashed before recording it.
    if (outboxId) this.inDoubt.get(outboxId)?.(status.wamid);

    const record =
      (await this.store.findMessageByWamid(status.wamid)) ??
      (outboxId ? await this.store.getMessage(messageKeyOf(outboxId)) : undefined);
    if (!record || record.direction !== 'out') {
      this.logger.debug({ wamid: status.wamid, status: status.status }, 'status for a message Puente did not send');
      return;
    }
    await this.lanes.run(`msg:${record.key}`, () => this.applyStatus(record.key, status));
  }

  private async applyStatus(messageKey: string, status: DeliveryStatus): Promise<void> {
    const record = await this.store.getMessage(messageKey);
    if (!record) return;
    if (!record.wamids.includes(status.wamid)) {
      await this.store.updateMessage(record.key, { wamids: [...record.wamids, status.wamid] });
      if (status.callbackData && !(await this.store.getOutboxResult(status.callbackData))) {
        await this.store.completeOutbox(status.callbackData, { ok: true, wamid: status.wamid });
      }
    }
    const state = status.status;
    if (!isDeliveryState(state)) {
      this.logger.debug({ wamid: status.wamid, status: state }, 'unknown delivery state ignored');
      return;
    }
    if (!advances(record.status, state)) return;
    const error = status.errors?.[0];
    await this.store.updateMessage(record.key, { status: state, ...(error ? { error } : {}) });
    const conversation = await this.store.getConversation(record.conversationId);
    const number = conversation && this.numbers.get(conversation.numberId);
    const chat = record.chat;
    if (!chat || !conversation?.thread || !number) return;
    const adapter = this.adapterFor(number);
    await this.withRetries(`status ${status.wamid}`, () => adapter.showStatus(chat, state, record.status));
    if (state === 'failed') {
      await adapter.notify(conversation.thread, {
        kind: 'error',
        text: say(number.language, 'notice.status.failed', { code: error?.code ?? '?', reason: error?.details ?? error?.message ?? error?.title ?? '' }),
      });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Chat → WhatsApp
  // -------------------------------------------------------------------------------------------

  private async conversationForThread(thread: ThreadRef): Promise<{ conversation: Conversation; number: NumberConfig } | undefined> {
    const conversation = await this.store.findConversationByThread(thread.adapter, thread.channel, thread.id);
    const number = conversation && this.numbers.get(conversation.numberId);
    return conversation && number ? { conversation, number } : undefined;
  }

  private windowOpen(conversation: Conversation): boolean {
    return conversation.lastInboundAt !== undefined && this.now() - conversation.lastInboundAt < CUSTOMER_WINDOW_MS;
  }

  async onAgentMessage(message: AgentMessage): Promise<void> {
    const found = await this.conversationForThread(message.thread);
    if (!found) return; // a thread Puente did not open
    const { conversation, number } = found;
    const text = message.text.trim();
    if (text.startsWith(this.options.config.internalNotePrefix)) return; // internal note: stays in the chat tool
    if (await this.store.getMessage(message.key)) return; // the chat tool retried an event already taken

    const adapter = this.adapterFor(number);
    const record: MessageRecord = {
      key: message.key,
      direction: 'out',
      conversationId: conversation.id,
      wamids: [],
      chat: message.ref,
      excerpt: excerpt(text),
      at: message.timestamp,
    };
    if (text.length === 0) {
      if (await this.store.insertMessage(record)) {
        await adapter.notify(message.thread, { kind: 'warning', text: say(number.language, 'notice.empty.reply'), onlyTo: message.agent.id });
      }
      return;
    }
    if (!this.windowOpen(conversation)) {
      // Enforced here, not left to WhatsApp's 131047: the agent learns at once, in the thread.
      if (await this.store.insertMessage({ ...record, status: 'failed', error: { code: 131047, title: 'window closed' } })) {
        await adapter.notify(message.thread, { kind: 'warning', text: say(number.language, 'notice.window.closed') });
        await this.withRetries(`status ${message.key}`, () => adapter.showStatus(message.ref, 'failed'));
      }
      return;
    }

    const body = number.senderMode === 'agent' ? this.signed(number.language, message.agent.displayName ?? message.agent.id, text) : text;
    const parts = splitText(body, WHATSAPP_TEXT_LIMIT);
    const items: OutboxItem[] = parts.map((part, index) => ({
      id: `${message.key}#${index}`,
      messageKey: message.key,
      conversationId: conversation.id,
      numberId: number.phoneNumberId,
      payload: { type: 'text', text: part },
      createdAt: this.now(),
    }));
    // Outbox first: if we die between the two writes, the chat tool's retry finds no record and
    // completes the second write, while the outbox already holds the sends (ids make it idempotent).
    await this.store.appendOutbox(items);
    await this.store.insertMessage(record);
    for (const item of items) this.queueSend(item, { inDoubt: false });
  }

  private signed(language: Language, agent: string, text: string): string {
    const template = this.options.config.agentSignature || catalogue(language)['reply.signature'];
    return fill(template, { agent, text });
  }

  async onAgentReaction(reaction: AgentReaction): Promise<void> {
    const target = await this.store.findMessageByChatRef(reaction.target);
    // Only reactions on the customer's own messages go to WhatsApp; the rest is agents talking.
    if (!target || target.direction !== 'in') return;
    const conversation = await this.store.getConversation(target.conversationId);
    const number = conversation && this.numbers.get(conversation.numberId);
    if (!conversation?.thread || !number) return;
    if (this.queuedSends.has(reaction.key) || (await this.store.getOutboxResult(reaction.key))) return;
    const adapter = this.adapterFor(number);
    if (!reaction.emoji) {
      await adapter.notify(conversation.thread, {
        kind: 'info',
        text: say(number.language, 'notice.reaction.unsupported', { name: reaction.emojiName }),
        onlyTo: reaction.agent.id,
      });
      return;
    }
    if (!this.windowOpen(conversation)) {
      await adapter.notify(conversation.thread, { kind: 'warning', text: say(number.language, 'notice.window.closed'), onlyTo: reaction.agent.id });
      return;
    }
    const item: OutboxItem = {
      id: reaction.key,
      messageKey: reaction.key,
      conversationId: conversation.id,
      numberId: number.phoneNumberId,
      payload: { type: 'reaction', targetWamid: target.key, emoji: reaction.removed ? '' : reaction.emoji },
      createdAt: this.now(),
    };
    await this.store.appendOutbox([item]);
    this.queueSend(item, { inDoubt: false, notifyAgent: reaction.agent.id });
  }

  async onAgentChange(change: AgentChange): Promise<void> {
    const record = await this.store.findMessageByChatRef(change.target);
    if (!record || record.direction !== 'out') return; // never relayed (internal note, other thread)
    const found = await this.conversationForThread(change.thread);
    if (!found) return;
    const adapter = this.adapterFor(found.number);
    const id = change.kind === 'edit' ? 'notice.edit.unsupported' : 'notice.delete.unsupported';
    await adapter.notify(change.thread, { kind: 'warning', text: say(found.number.language, id), onlyTo: change.agent.id });
  }

  // -------------------------------------------------------------------------------------------
  // Sending
  // -------------------------------------------------------------------------------------------

  private queueSend(item: OutboxItem, options: { inDoubt: boolean; notifyAgent?: string }): void {
    if (this.queuedSends.has(item.id)) return;
    this.queuedSends.add(item.id);
    const task = this.lanes
      .run(`out:${item.conversationId}`, () => this.deliver(item, options))
      .catch((error: unknown) => this.logger.error({ outboxId: item.id, err: error }, 'send could not be completed; it stays in the outbox'))
      .finally(() => this.queuedSends.delete(item.id));
    this.track(task);
  }

  private async deliver(item: OutboxItem, options: { inDoubt: boolean; notifyAgent?: string }): Promise<void> {
    if (this.stopping) return;
    const conversation = await this.store.getConversation(item.conversationId);
    if (!conversation) throw new Error(`conversation ${item.conversationId} missing for outbox ${item.id}`);
    if (options.inDoubt) {
      const wamid = await this.waitForProof(item.id);
      if (wamid) {
        await this.recordOutcome(item, conversation, { ok: true, wamid, attempts: 0 }, options.notifyAgent);
        return;
      }
      if (this.stopping) return;
    }
    const outcome = await this.sender.send(item, conversation.customer);
    await this.recordOutcome(item, conversation, outcome, options.notifyAgent);
  }

  /** Waits for a status webhook naming this send, up to the grace period; undefined when none came. */
  private waitForProof(outboxId: string): Promise<string | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(undefined), this.options.config.inDoubtGraceMs);
      const settle = (wamid: string | undefined): void => {
        clearTimeout(timer);
        this.inDoubt.delete(outboxId);
        resolve(wamid);
      };
      this.inDoubt.set(outboxId, settle);
    });
  }

  private async recordOutcome(item: OutboxItem, conversation: Conversation, outcome: SendOutcome, notifyAgent?: string): Promise<void> {
    const result: OutboxResult = outcome.ok ? { ok: true, wamid: outcome.wamid } : { ok: false, error: outcome.error };
    if (!(await this.store.getOutboxResult(item.id))) await this.store.completeOutbox(item.id, result);
    const number = this.numbers.get(conversation.numberId);
    const thread = conversation.thread;
    await this.lanes.run(`msg:${item.messageKey}`, async () => {
      const record = await this.store.getMessage(item.messageKey);
      if (outcome.ok) {
        if (record && !record.wamids.includes(outcome.wamid)) {
          await this.store.updateMessage(record.key, { wamids: [...record.wamids, outcome.wamid] });
        }
        return;
      }
      if (!number || !thread) return;
      const adapter = this.adapterFor(number);
      const reason = outcome.error.details ?? outcome.error.message ?? outcome.error.title ?? '';
      if (item.payload.type === 'reaction') {
        await adapter.notify(thread, {
          kind: 'warning',
          text: say(number.language, 'notice.reaction.failed', { code: outcome.error.code, reason }),
          onlyTo: notifyAgent,
        });
        return;
      }
      if (!record || record.status === 'failed') return; // one notice per message, however many parts failed
      await this.store.updateMessage(record.key, { status: 'failed', error: outcome.error });
      if (record.chat) await adapter.showStatus(record.chat, 'failed', record.status);
      const notice: Notice = {
        kind: 'error',
        text: say(number.language, outcome.action === 'final-alert' ? 'notice.send.failed.alert' : 'notice.send.failed', {
          code: outcome.error.code,
          reason,
        }),
      };
      await adapter.notify(thread, notice);
    });
  }
}

/** The message record an outbox id belongs to (`<message key>#<part>`). */
function messageKeyOf(outboxId: string): string {
  const hash = outboxId.lastIndexOf('#');
  return hash === -1 ? outboxId : outboxId.slice(0, hash);
}

function definedFields<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined && field !== '')) as Partial<T>;
}
