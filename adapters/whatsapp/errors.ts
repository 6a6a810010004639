/**
 * The one table of WhatsApp Cloud API error codes and what Puente does about each (reference §7).
 * Codes arrive synchronously from `/messages` (Graph error body) and asynchronously in failed
 * statuses and `value.errors`; both paths read this table, so the bridge reacts the same way.
 *
 * `action` follows Meta where it states a remedy (131047, 131056) and Puente's design elsewhere.
 * `final-alert` means the number cannot send at all until an operator acts, so the core should
 * stop that number's queue and raise an alert rather than fail message after message.
 */
import type { SendFailureAction } from '../../bot/whatsapp-port.js';

export interface ErrorCodeRule {
  action: SendFailureAction;
  /** Whether agents should see this failure in the thread (transient ones are retried silently). */
  tellAgent: boolean;
  /** Short English meaning, for logs and as a fallback when the catalogue has no text. */
  meaning: string;
}

const retry = (meaning: string, tellAgent = false): ErrorCodeRule => ({ action: 'retry', tellAgent, meaning });
const final = (meaning: string, tellAgent = true): ErrorCodeRule => ({ action: 'final', tellAgent, meaning });
const finalAlert = (meaning: string): ErrorCodeRule => ({ action: 'final-alert', tellAgent: true, meaning });

export const WHATSAPP_ERROR_CODES: Readonly<Record<number, ErrorCodeRule>> = Object.freeze({
  4: retry('App-level rate limit (API Too Many Calls)'),
  100: final('Invalid parameter: the request was rejected'),
  190: finalAlert('Access token expired or invalid: sending is paused until the token is fixed'),
  368: finalAlert('Temporarily blocked for policy violations'),
  80007: retry('WhatsApp Business Account rate limit'),
  130429: retry('Throughput limit reached for this number'),
  130472: final("The customer's number is part of a Meta experiment; message not delivered"),
  // Generic error: worth a few attempts; the agent hears about it once retries run out.
  131000: retry('Something went wrong at WhatsApp (generic error)', true),
  131008: final('Required parameter missing'),
  131009: final('Parameter value invalid (for a reaction: message too old or deleted)'),
  131021: final('Recipient is the sender: check the number configuration'),
  131026: final('Message undeliverable: the customer cannot receive WhatsApp messages'),
  131031: finalAlert('Business account locked'),
  131042: finalAlert('Payment problem on the business account'),
  131047: final('More than 24 hours since the customer last wrote: only an approved template can be sent'),
  131048: final('Spam rate limit hit: slow down'),
  131049: final('Not delivered to maintain healthy ecosystem engagement'),
  131050: final('The customer stopped marketing messages'),
  131051: final('Unsupported message type'),
  131052: final("Could not download the customer's media (over 100 MB or unavailable)"),
  131053: final('Media upload error (often an unsupported or mismatched MIME type)'),
  131056: { action: 'retry-pair-rate', tellAgent: false, meaning: 'Too many messages to this customer: pair rate limit' },
  131057: retry('Business account in maintenance (for example a throughput upgrade)'),
  132000: final('Template parameter count mismatch'),
  132001: final('Template missing in that language or not approved'),
  132012: final('Template parameter format mismatch'),
  132015: final('Template paused'),
  132016: final('Template disabled'),
  133010: finalAlert('Phone number not registered with the Cloud API'),
  133016: final('Register/deregister rate limit (operator action)', false),
  135000: final('Generic user error'),
});

/** The rule for a WhatsApp error code, if the table knows it. */
export function lookupErrorCode(code: number | undefined): ErrorCodeRule | undefined {
  return code === undefined ? undefined : WHATSAPP_ERROR_CODES[code];
}

/** What a failed call to the Graph API returned, as far as it returned anything. */
export interface GraphErrorBody {
  message?: string;
  type?: string;
  code?: number;
  error_subcode?: number;
  error_data?: { details?: string; messaging_product?: string };
  error_user_title?: string;
  error_user_msg?: string;
  fbtrace_id?: string;
}

/**
 * How to treat a failed send.
 * - A known code decides, whatever the HTTP status.
 * - No HTTP status and no Graph error: the request never got an answer (network error, timeout) →
 *   retry; a timed-out send may have gone through, and a rare duplicate beats a lost reply.
 * - Unknown code: HTTP 5xx or 429 → retry, any other HTTP status → final.
 * - Unknown code with no HTTP status (a failed status webhook) → final: WhatsApp already gave up.
 */
export function classifySendFailure(httpStatus: number | undefined, graphError: GraphErrorBody | undefined): ErrorCodeRule {
  const known = lookupErrorCode(typeof graphError?.code === 'number' ? graphError.code : undefined);
  if (known) return known;
  if (httpStatus === undefined) {
    return graphError === undefined
      ? retry('Network error or timeout: no answer from WhatsApp')
      : final(`WhatsApp error ${graphError.code ?? 'without a code'}`);
  }
  if (httpStatus >= 500 || httpStatus === 429) return retry(`WhatsApp answered HTTP ${httpStatus}`);
  return final(`WhatsApp rejected the request (HTTP ${httpStatus}${graphError?.code !== undefined ? `, code ${graphError.code}` : ''})`);
}
