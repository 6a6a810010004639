/**
 * What the core needs from WhatsApp's Cloud API. The implementation (Graph client, webhook
 * receiver, payload parser, error table) lives in `adapters/whatsapp/`, the one place that knows
 * WhatsApp's wire format.
 */
import type { Readable } from 'node:stream';
import type { OutboundPayload } from '../storage/store.js';
import type { Customer, MediaKind, MessageTemplate, WebhookParseResult, WhatsAppErrorInfo } from './types.js';

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

/**
 * One message as it goes to WhatsApp. An agent's file waits in the outbox as a `file` payload (a
 * reference to the chat tool's file) and becomes a `media` send, by uploaded media id, at send time.
 */
export type SendPayload =
  | Exclude<OutboundPayload, { type: 'file' }>
  | { type: 'media'; kind: MediaKind; mediaId: string; caption?: string; filename?: string };

/** A customer's media, opened for download. */
export interface MediaDownload {
  body: Readable;
  /** Length announced before the bytes (media metadata or Content-Length), for checking limits first. */
  size?: number;
  /** The sha256 WhatsApp's media endpoint gave, when it was asked (the webhook's own is preferred). */
  sha256?: string;
}

/** A verified local file to upload as WhatsApp media. */
export interface MediaUpload {
  path: string;
  name: string;
  size: number;
  mimeType: string;
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
  send(numberId: string, customer: Customer, payload: SendPayload, options?: SendOptions): Promise<{ wamid: string }>;
  /**
   * Opens a customer's media for download: from the webhook's `url` when there is one, else (or when
   * that URL has expired) from the URL the media id resolves to. A file known to exceed `maxBytes`
   * is refused before its bytes are requested. Rejects with a MediaError.
   */
  openMedia(numberId: string, media: { mediaId: string; url?: string }, options?: { maxBytes?: number }): Promise<MediaDownload>;
  /** Uploads a file as media of `numberId`; resolves with the media id. Rejects like `send`. */
  uploadMedia(numberId: string, file: MediaUpload): Promise<{ mediaId: string }>;
  /**
   * Every template of a WhatsApp Business Account, whatever its status, all pages. Rejects with a
   * `WhatsAppSendError` carrying Graph's code and message.
   */
  listTemplates(businessAccountId: string): Promise<MessageTemplate[]>;
}

/** Turns one verified webhook body into events; never throws. */
export type WebhookParser = (body: string) => WebhookParseResult;
