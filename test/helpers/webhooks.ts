/**
 * Builders for WhatsApp Cloud API webhook bodies in the documented shape
 * (../shared/reference/whatsapp-cloud-api.md §1.4, §2, §3), for tests and benchmarks.
 */

export interface WebhookNumber {
  phoneNumberId: string;
  displayNumber: string;
  wabaId?: string;
}

export interface WebhookCustomer {
  waId: string;
  name?: string;
}

let sequence = 0;
export function newWamid(prefix = 'in'): string {
  sequence += 1;
  return `wamid.${prefix}.${Date.now().toString(36)}.${sequence}`;
}

function envelope(number: WebhookNumber, value: Record<string, unknown>): Record<string, unknown> {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: number.wabaId ?? 'WABA_1',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: number.displayNumber, phone_number_id: number.phoneNumberId },
              ...value,
            },
          },
        ],
      },
    ],
  };
}

/** An inbound message webhook; `message` holds the type-specific part (`{type:'text', text:{body}}`). */
export function messageWebhook(
  number: WebhookNumber,
  customer: WebhookCustomer,
  message: Record<string, unknown>,
  options: { wamid?: string; timestampMs?: number } = {},
): { body: string; wamid: string } {
  const wamid = options.wamid ?? newWamid();
  const timestamp = String(Math.floor((options.timestampMs ?? Date.now()) / 1000));
  const body = envelope(number, {
    contacts: [{ profile: { name: customer.name ?? 'Customer' }, wa_id: customer.waId }],
    messages: [{ from: customer.waId, id: wamid, timestamp, ...message }],
  });
  return { body: JSON.stringify(body), wamid };
}

export function textWebhook(
  number: WebhookNumber,
  customer: WebhookCustomer,
  text: string,
  options: { wamid?: string; timestampMs?: number; quotedWamid?: string } = {},
): { body: string; wamid: string } {
  const context = options.quotedWamid ? { context: { from: number.displayNumber, id: options.quotedWamid } } : {};
  return messageWebhook(number, customer, { type: 'text', text: { body: text }, ...context }, options);
}

export function statusWebhook(
  number: WebhookNumber,
  status: {
    wamid: string;
    status: string;
    recipient: string;
    callbackData?: string;
    timestampMs?: number;
    errors?: { code: number; title?: string; message?: string; details?: string }[];
  },
): string {
  return JSON.stringify(
    envelope(number, {
      statuses: [
        {
          id: status.wamid,
          status: status.status,
          timestamp: String(Math.floor((status.timestampMs ?? Date.now()) / 1000)),
          recipient_id: status.recipient,
          ...(status.callbackData ? { biz_opaque_callback_data: status.callbackData } : {}),
          ...(status.errors
            ? {
                errors: status.errors.map((error) => ({
                  code: error.code,
                  title: error.title ?? 'error',
                  message: error.message ?? error.title ?? 'error',
                  error_data: { details: error.details ?? '' },
                })),
              }
            : {}),
        },
      ],
    }),
  );
}
