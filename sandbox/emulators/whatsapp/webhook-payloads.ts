/**
 * Builders for the webhook bodies Meta POSTs: the `whatsapp_business_account` envelope (§1.4),
 * inbound messages (§2) and statuses (§3). Pure functions, no I/O.
 */
import { unixSecondsString } from './ids.js';
import { webhookErrorObject } from './graph-errors.js';
import type { CustomerIdentity, GraphErrorSpec, StatusName } from './types.js';

export interface BusinessNumber {
  phoneNumberId: string;
  displayNumber: string;
  wabaId: string;
}

type Json = Record<string, unknown>;

export interface ChangeValue {
  contacts?: Json[];
  messages?: Json[];
  statuses?: Json[];
}

function changeFor(number: BusinessNumber, value: ChangeValue): Json {
  return {
    field: 'messages',
    value: {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: number.displayNumber, phone_number_id: number.phoneNumberId },
      ...value,
    },
  };
}

/** One envelope with one change — what Meta sends for a single update. */
export function messagesEnvelope(number: BusinessNumber, value: ChangeValue): Json {
  return { object: 'whatsapp_business_account', entry: [{ id: number.wabaId, changes: [changeFor(number, value)] }] };
}

/** Several updates in one POST (Meta batches up to 1000): one entry per WABA, one change per number. */
export function batchedEnvelope(groups: { number: BusinessNumber; value: ChangeValue }[]): Json {
  const entries = new Map<string, Json[]>();
  for (const { number, value } of groups) {
    const changes = entries.get(number.wabaId) ?? [];
    changes.push(changeFor(number, value));
    entries.set(number.wabaId, changes);
  }
  return { object: 'whatsapp_business_account', entry: [...entries].map(([id, changes]) => ({ id, changes })) };
}

export function senderContact(customer: CustomerIdentity): Json {
  return {
    profile: { name: customer.name },
    wa_id: customer.waId,
    ...(customer.userId === undefined ? {} : { user_id: customer.userId }),
  };
}

/** Fills the fields every inbound message has; the caller's fields win so tests can forge anything. */
export function inboundMessage(customer: CustomerIdentity, wamid: string, message: Json): Json {
  return {
    from: customer.waId,
    ...(customer.userId === undefined ? {} : { from_user_id: customer.userId }),
    id: wamid,
    timestamp: unixSecondsString(),
    ...message,
  };
}

export interface StatusContext {
  wamid: string;
  status: StatusName;
  /** wa_id, or BSUID when `recipientIsUserId`. */
  recipientId: string;
  recipientIsUserId: boolean;
  callbackData?: string;
  /** Send type: templates are billed as utility, everything else is a free service reply. */
  messageType: string;
  /** Graph major version the bridge is pinned to; v24+ changed where `conversation`/`pricing` appear. */
  apiMajorVersion: number;
  /** Stable per message so every status of one message names the same conversation. */
  conversationId: string;
  /** v24+: `pricing` rides on only one status per message. */
  carriesPricing: boolean;
  error?: GraphErrorSpec;
}

export function statusObject(context: StatusContext): Json {
  const status: Json = {
    id: context.wamid,
    status: context.status,
    timestamp: unixSecondsString(),
    ...(context.recipientIsUserId ? { recipient_user_id: context.recipientId } : { recipient_id: context.recipientId }),
    ...(context.callbackData === undefined ? {} : { biz_opaque_callback_data: context.callbackData }),
  };
  if (context.status === 'failed') {
    status.errors = [webhookErrorObject(context.error ?? { code: 131000 })];
    return status;
  }
  const isTemplate = context.messageType === 'template';
  const category = isTemplate ? 'utility' : 'service';
  if (context.apiMajorVersion < 24) {
    status.conversation = {
      id: context.conversationId,
      ...(context.status === 'sent' ? { expiration_timestamp: unixSecondsString(new Date(Date.now() + 24 * 3600 * 1000)) } : {}),
      origin: { type: category },
    };
    status.pricing = { billable: isTemplate, pricing_model: 'PMP', category };
  } else if (context.carriesPricing) {
    status.pricing = { billable: isTemplate, pricing_model: 'PMP', type: isTemplate ? 'regular' : 'free_customer_service', category };
  }
  return status;
}

/**
 * Meta's serialiser escapes non-ASCII (`ä` → `\u00e4`, emoji as surrogate pairs) and `/` (`\/`).
 * Signing these exact bytes means a bridge must hash the raw body, as Meta requires (§1.2).
 */
export function serializeWebhook(payload: unknown, metaJsonEscaping: boolean): string {
  const json = JSON.stringify(payload);
  if (!metaJsonEscaping) return json;
  return json
    .replace(/\//g, '\\/')
    .replace(/[\u0080-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
