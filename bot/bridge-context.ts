/**
 * What the bridge's parts share: configuration, the store, ordering lanes, the clock, retries of
 * chat-tool calls, and the set of work in flight (so shutdown and tests can wait for it).
 */
import type { ChatAdapter } from './chat-adapter.js';
import { RetryableChatError } from './chat-adapter.js';
import PQueue from 'p-queue';
import { Lanes } from './lanes.js';
import { ContactPolicy } from './policy/contact-policy.js';
import { ThreadOpener } from './thread-opener.js';
import type { Logger } from './logger.js';
import type { RetryPolicy } from './outbound-sender.js';
import type { Conversation, Customer, ThreadRef } from './types.js';
import type { WebhookParser, WhatsAppPort } from './whatsapp-port.js';
import type { Config, NumberConfig } from '../config/types.js';
import type { Store } from '../storage/store.js';

/** WhatsApp's customer-service window: free-form messages only within 24 h of the customer's last message. */
export const CUSTOMER_WINDOW_MS = 24 * 60 * 60 * 1000;

export type BridgeConfig = Pick<Config, 'numbers' | 'internalNotePrefix' | 'agentSignature' | 'customerIconUrl' | 'inDoubtGraceMs'> &
  /** Supervision and compliance settings; optional so a bridge without them runs with the defaults. */
  Partial<
    Pick<
      Config,
      | 'supervisors'
      | 'businessAccountId'
      | 'blockedReplyText'
      | 'blockedReplyIntervalMs'
      | 'supervisorChannel'
      | 'triageChannel'
      | 'optOutKeywords'
      | 'optInKeywords'
      | 'messageRetentionMs'
    >
  >;

export interface BridgeOptions {
  config: BridgeConfig;
  store: Store;
  whatsapp: WhatsAppPort;
  parseWebhook: WebhookParser;
  adapters: ReadonlyMap<string, ChatAdapter>;
  logger: Logger;
  now?: () => number;
  retryPolicy?: RetryPolicy;
  media?: MediaOptions;
}

/** Where files wait on disk while crossing, how many cross at once, and how failed downloads are retried. */
export interface MediaOptions {
  /** Temporary files (emptied at start); the composition root puts it under DATA_DIR. */
  spoolDir?: string;
  /** Downloads + uploads running at once across all conversations. */
  concurrentTransfers?: number;
  /** Waits between retries of a customer's file that could not be fetched (bot/inbound-media.ts). */
  retryDelaysMs?: readonly number[];
}

/** The stable key of a customer: `wa:<wa_id>`, or `user:<user_id>` for customers known only by BSUID. */
export function customerKeyOf(customer: Customer): string | undefined {
  if (customer.waId) return `wa:${customer.waId}`;
  if (customer.userId) return `user:${customer.userId}`;
  return undefined;
}

/** The stable id of a (business number, customer) conversation. */
export function conversationIdOf(numberId: string, customerKey: string): string {
  return `${numberId}/${customerKey}`;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Webhook events bridged into the chat tool at the same time (different conversations). */
const CHAT_WORK_CONCURRENCY = 32;

/** Failures that are not worth retrying within this process run (a bug, a misconfigured channel). */
const MAX_PERMANENT_ATTEMPTS = 3;

export class BridgeContext {
  readonly numbers: ReadonlyMap<string, NumberConfig>;
  readonly lanes = new Lanes();
  /**
   * Bounds how many webhook events are being bridged into the chat tool at once. Acknowledging stays
   * cheap (a durable append) while a burst of webhooks, or thousands of new conversations, waits here
   * in order instead of opening thousands of chat-tool requests and holding their memory together.
   */
  private readonly chatSlots = new PQueue({ concurrency: CHAT_WORK_CONCURRENCY });
  readonly now: () => number;
  /** Block list, opt-outs, do-not-contact list: read by inbound handling, sends and commands. */
  readonly policy: ContactPolicy;
  /** Finds or opens conversation threads (inbound messages, templates sent to new conversations). */
  readonly threads: ThreadOpener;
  private readonly work = new Set<Promise<unknown>>();
  /** Set at shutdown: retries give up and new sends are left in the outbox for the next start. */
  stopping = false;

  constructor(readonly options: BridgeOptions) {
    this.numbers = new Map(options.config.numbers.map((number) => [number.phoneNumberId, number]));
    this.now = options.now ?? Date.now;
    this.policy = new ContactPolicy(options.store);
    this.threads = new ThreadOpener(this);
  }

  get store(): Store {
    return this.options.store;
  }

  get logger(): Logger {
    return this.options.logger;
  }

  get config(): BridgeConfig {
    return this.options.config;
  }

  track<T>(promise: Promise<T>): Promise<T> {
    this.work.add(promise);
    void promise.finally(() => this.work.delete(promise)).catch(() => undefined);
    return promise;
  }

  /** Runs `task` when one of the chat-work slots is free. */
  chatWork<T>(task: () => Promise<T>): Promise<T> {
    return this.chatSlots.add(task) as Promise<T>;
  }

  /** Resolves when all work accepted so far has finished (or given up for this run). */
  async idle(): Promise<void> {
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
    await this.lanes.idle();
  }

  /** Retries chat-tool failures: rate limits and outages until they pass, anything else a few times. */
  async withRetries<T>(what: string, task: () => Promise<T>): Promise<T> {
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

  adapterFor(number: NumberConfig): ChatAdapter {
    const adapter = this.options.adapters.get(number.adapter);
    if (!adapter) throw new Error(`no chat adapter "${number.adapter}" for number ${number.phoneNumberId}`);
    return adapter;
  }

  async conversationForThread(thread: ThreadRef): Promise<{ conversation: Conversation; number: NumberConfig } | undefined> {
    const conversation = await this.store.findConversationByThread(thread.adapter, thread.channel, thread.id);
    const number = conversation && this.numbers.get(conversation.numberId);
    return conversation && number ? { conversation, number } : undefined;
  }

  windowOpen(conversation: Conversation): boolean {
    return conversation.lastInboundAt !== undefined && this.now() - conversation.lastInboundAt < CUSTOMER_WINDOW_MS;
  }
}
