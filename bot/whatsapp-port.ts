/**
 * What the core needs from WhatsApp's Cloud API. The implementation (Graph client, webhook
 * receiver, payload parser, error table) lives in `adapters/whatsapp/`, the one place that knows
 * WhatsApp's wire format.
 */
import type { OutboundPayload } from '../storage/store.js';
import type { Customer, WebhookParseResult, WhatsAppErrorInfo } from './types.js';

/** How the core must treat a failed send. */
export type SendFailureAction =
  /** transient (throughput 130429, 5xx, network, 131057, …): retry with exponential backoff */
  | 'retry'
  /** pair rate limit 131056: retry after 4^attempt seconds, as Meta asks */
  | 'retry-pair-rate'
  /** final: show the agent the code and reason in the thread */
  | 'final'
  /** final, and the number cannot send at all until an operator acts (token, account locked, …) */
  | 'final-alert';

export class WhatsAppSendError extends Error {
  constructor(
    message: string,
    readonly action: SendFailureAction,
    readonly info: WhatsAppErrorInfo,
    readonly httpStatus?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WhatsAppSendError';
  }
}

export interface SendOptions {
  /** Echoed back on this message's status webhooks as `biz_opaque_callback_data`. */
  callbackData?: string;
}

export interface WhatsAppPort {
  /**
   * Send one message from business number `numberId` to `customer`. Resolves with the wamid;
   * rejects with `WhatsAppSendError` (any other error is treated as a transient network failure).
   */
  send(numberId: string, customer: Customer, payload: OutboundPayload, options?: SendOptions): Promise<{ wamid: string }>;
}

/** Turns one verified webhook body into events; never throws. */
export type WebhookParser = (body: string) => WebhookParseResult;
