/**
 * Sends to WhatsApp at each business number's configured rate, retrying what WhatsApp says is
 * transient. Ordering per conversation is the caller's (the bridge runs sends in conversation
 * lanes); this class owns pacing and retries.
 */
import PQueue from 'p-queue';
import type { Logger } from './logger.js';
import { SendPacer } from './send-pacer.js';
import type { Customer, WhatsAppErrorInfo } from './types.js';
import { WhatsAppSendError, type SendFailureAction, type SendPayload, type WhatsAppPort } from './whatsapp-port.js';
import type { OutboxItem } from '../storage/store.js';

export type SendOutcome =
  | { ok: true; wamid: string; attempts: number }
  | { ok: false; error: WhatsAppErrorInfo; action: SendFailureAction; attempts: number };

export interface RetryPolicy {
  /** First backoff for transient errors; doubles each attempt. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Attempts before a transient error is reported to the agent as a failure. */
  maxAttempts: number;
  /** Unit of the pair-rate backoff Meta prescribes (4^attempt × unit); one second in production. */
  pairRateUnitMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseDelayMs: 1000, maxDelayMs: 60_000, maxAttempts: 10, pairRateUnitMs: 1000 };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class OutboundSender {
  private readonly queues = new Map<string, { queue: PQueue; pacer: SendPacer }>();

  constructor(
    private readonly whatsapp: WhatsAppPort,
    private readonly rates: ReadonlyMap<string, number>,
    private readonly logger: Logger,
    private readonly policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  ) {}

  /** One p-queue per number bounds its requests in flight; its pacer enforces the number's rate. */
  private laneFor(numberId: string): { queue: PQueue; pacer: SendPacer } {
    let lane = this.queues.get(numberId);
    if (!lane) {
      lane = { queue: new PQueue({ concurrency: 64 }), pacer: new SendPacer(this.rates.get(numberId) ?? 80) };
      this.queues.set(numberId, lane);
    }
    return lane;
  }

  /**
   * Sends one outbox item, retrying transient failures; never throws. A file item is sent as the
   * `payload` its upload produced; `callbackData` defaults to the item's id (the proof after a crash).
   */
  async send(item: OutboxItem, customer: Customer, payload?: SendPayload, callbackData = item.id): Promise<SendOutcome> {
    const { queue, pacer } = this.laneFor(item.numberId);
    const body = payload ?? sendable(item);
    for (let attempt = 1; ; attempt++) {
      try {
        // Every attempt, retries included, takes a slot: WhatsApp counts requests, not messages.
        await pacer.acquire();
        const { wamid } = await queue.add(() => this.whatsapp.send(item.numberId, customer, body, { callbackData }));
        return { ok: true, wamid, attempts: attempt };
      } catch (error) {
        const failure = asSendError(error);
        const retryable = failure.action === 'retry' || failure.action === 'retry-pair-rate';
        if (!retryable || attempt >= this.policy.maxAttempts) {
          this.logger.warn(
            { outboxId: item.id, numberId: item.numberId, code: failure.info.code, action: failure.action, attempts: attempt },
            'send failed',
          );
          return { ok: false, error: failure.info, action: failure.action, attempts: attempt };
        }
        const delay = this.delayBefore(attempt, failure.action);
        this.logger.info({ outboxId: item.id, code: failure.info.code, attempt, delayMs: Math.round(delay) }, 'send will be retried');
        await sleep(delay);
      }
    }
  }

  private delayBefore(attempt: number, action: SendFailureAction): number {
    if (action === 'retry-pair-rate') {
      // Meta: after a pair-rate error (131056) wait 4^X seconds, X = 0, 1, 2, …
      return Math.min(4 ** (attempt - 1) * this.policy.pairRateUnitMs, this.policy.maxDelayMs * 16);
    }
    const exponential = Math.min(this.policy.baseDelayMs * 2 ** (attempt - 1), this.policy.maxDelayMs);
    return exponential * (0.8 + Math.random() * 0.4); // jitter, so many conversations do not retry in step
  }

  /** Waits for every queued send to leave the queues (used at shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.queues.values()].map(({ queue }) => queue.onIdle()));
  }
}

function sendable(item: OutboxItem): SendPayload {
  if (item.payload.type === 'file') throw new Error(`outbox ${item.id}: a file must be uploaded before it is sent`);
  return item.payload;
}

export function asSendError(error: unknown): WhatsAppSendError {
  if (error instanceof WhatsAppSendError) return error;
  const message = error instanceof Error ? error.message : String(error);
  // Anything that is not a classified Graph answer is a network-level problem: transient.
  return new WhatsAppSendError(message, 'retry', { code: 0, title: 'network error', details: message });
}
