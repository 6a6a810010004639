/** Public types of the WhatsApp Cloud API emulator. */

export interface EmulatedBusinessNumber {
  /** Graph `phone_number_id`: the path segment of `/{version}/{phone-number-id}/messages`. */
  phoneNumberId: string;
  /** Digits only, as webhooks carry it in `metadata.display_phone_number` (e.g. `15550783881`). */
  displayNumber: string;
  /** WhatsApp Business Account id, used as `entry[].id` of webhooks. Defaults to a derived id. */
  wabaId?: string;
}

/** Milliseconds after a successful send at which each status webhook fires; `null` skips that status. */
export interface StatusDelays {
  sent: number | null;
  delivered: number | null;
  read: number | null;
}

export interface WhatsAppEmulatorOptions {
  appSecret: string;
  accessToken: string;
  /** Graph version the bridge is pinned to. Any `vNN.N` path is accepted; this one selects webhook shapes (v24+ omits `conversation`). Default `v24.0`. */
  apiVersion?: string;
  /** The bridge's `POST /webhooks/whatsapp` URL. Without it webhooks are recorded as `no-webhook-url`. */
  webhookUrl?: string;
  numbers: EmulatedBusinessNumber[];
  statusDelaysMs?: Partial<StatusDelays>;
  /** Delays before each webhook re-delivery after a non-200 answer. Default `[20, 100, 500]` (Meta: backoff over days). */
  webhookRetryDelaysMs?: number[];
  /** How long to wait for the bridge to answer one webhook POST. Default 10 000. */
  webhookTimeoutMs?: number;
  /** Cap on each in-memory record list (requests, sent messages, deliveries). Default 10 000. */
  maxRecords?: number;
  /** Cap on stored media bytes; oldest media are forgotten first. Default 100 MiB. */
  maxMediaBytes?: number;
  /**
   * Serialise webhooks the way Meta does — non-ASCII as `\uXXXX`, `/` as `\/` — so a bridge that
   * re-serialises the parsed JSON before checking the signature fails here, not in production. Default true.
   */
  metaJsonEscaping?: boolean;
}

/** A customer, as seen in webhooks. */
export interface CustomerIdentity {
  waId: string;
  name: string;
  /** Business-scoped user id (2026 BSUID rollout), sent as `contacts[].user_id` when given. */
  userId?: string;
}

/** One accepted call to `POST /{version}/{phone-number-id}/messages` that sent a message. */
export interface SentMessageRecord {
  numberId: string;
  /** `to` as the bridge sent it, or the `recipient` BSUID. */
  to: string;
  /** wa_id the emulator resolved `to` to (digits only), or the BSUID. */
  recipientId: string;
  type: string;
  /** The full request body, parsed. */
  body: Record<string, unknown>;
  wamid: string;
  /** ISO time of acceptance. */
  at: string;
  callbackData?: string;
  /** Set when the send was accepted but an async failure was injected. */
  asyncFailure?: GraphErrorSpec;
}

/** A mark-as-read (optionally with typing indicator) call. */
export interface ReadReceiptRecord {
  numberId: string;
  messageId: string;
  typingIndicator: boolean;
  at: string;
}

/** Every HTTP request the bridge made to the Graph emulator. */
export interface GraphRequestRecord {
  method: string;
  path: string;
  authorized: boolean;
  /** Parsed JSON/form body, or the raw text when it was neither. */
  body: unknown;
  status: number;
  response: unknown;
  at: string;
}

export type FailureMode = 'sync' | 'async';

/** What an injected failure looks like on the wire. Unknown codes fall back to a generic title/details. */
export interface GraphErrorSpec {
  code: number;
  title?: string;
  details?: string;
  /** Sync only: HTTP status of the error answer. Default by code (400; 401 for 190; 429 for rate limits; 500 for 131000/1/2). */
  httpStatus?: number;
  errorSubcode?: number;
}

export interface InjectedFailure extends GraphErrorSpec {
  mode: FailureMode;
}

export type WebhookKind = 'message' | 'status' | 'raw' | 'custom';

export interface WebhookAttempt {
  at: string;
  /** 0 = no HTTP response (connection refused, timeout). */
  status: number;
  error?: string;
  responseBody?: string;
}

export interface WebhookDeliveryRecord {
  id: number;
  kind: WebhookKind;
  url: string | undefined;
  /** The exact bytes that were signed and POSTed, as UTF-8 text. */
  body: string;
  signature: string | null;
  attempts: WebhookAttempt[];
  outcome: 'delivered' | 'gave-up' | 'no-webhook-url' | 'cancelled';
  /** wamids this webhook was about, for filtering. */
  wamids: string[];
}

export type StatusName = 'sent' | 'delivered' | 'read' | 'failed';

export interface StatusUpdate {
  wamid: string;
  status: StatusName;
  numberId: string;
}

export interface CustomerSendResult {
  wamid: string;
  /** HTTP status of the bridge's final answer (after Meta-style retries); 0 = no answer. */
  status: number;
  attempts: number;
}

export interface ReleaseOptions {
  /** `reverse` delivers the newest held status first, to test out-of-order handling. Default `fifo`. */
  order?: 'fifo' | 'reverse';
  /** Put all held statuses in one webhook POST (Meta batches up to 1000 updates). Default false. */
  batch?: boolean;
  /** Stay in hold mode after releasing. Default false. */
  keepHolding?: boolean;
}

export interface EmulatedMedia {
  id: string;
  mimeType: string;
  /** Base64 SHA-256, the encoding Meta's webhook examples use. */
  sha256: string;
  size: number;
  data: Buffer;
  filename?: string;
  /** `customer` media arrive in inbound webhooks; `business` media were uploaded by the bridge. */
  origin: 'customer' | 'business';
  at: string;
}

export type InboundMediaKind = 'image' | 'video' | 'audio' | 'document' | 'sticker';

export interface InboundMediaInput {
  kind: InboundMediaKind;
  data: Buffer;
  mimeType: string;
  caption?: string;
  filename?: string;
  /** audio: recorded with the in-app voice recorder. */
  voice?: boolean;
  /** sticker: animated. */
  animated?: boolean;
  /** Include the Nov-2025 `url` field in the webhook. Default true. */
  includeUrl?: boolean;
}

export interface WhatsAppEmulatorEvents {
  /** Every Graph HTTP request, after it was answered. */
  request: [GraphRequestRecord];
  /** The bridge sent a message (accepted by the emulator). */
  message: [SentMessageRecord];
  /** The bridge marked a message read. */
  read: [ReadReceiptRecord];
  /** A status webhook was delivered (or given up on). */
  status: [StatusUpdate & { delivery: WebhookDeliveryRecord }];
  /** A customer message webhook was delivered (or given up on). */
  inbound: [{ wamid: string; numberId: string; message: Record<string, unknown>; delivery: WebhookDeliveryRecord }];
  /** Every webhook delivery outcome, whatever its kind. */
  webhook: [WebhookDeliveryRecord];
}
