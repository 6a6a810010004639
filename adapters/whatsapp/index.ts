/** WhatsApp Cloud API adapter: the only part of Puente that knows WhatsApp's wire format. */
export { parseWebhook, normaliseDigits } from './parse.js';
export { verifySignature, signBody } from './signature.js';
export {
  WHATSAPP_ERROR_CODES,
  classifySendFailure,
  lookupErrorCode,
  type ErrorCodeRule,
  type GraphErrorBody,
} from './errors.js';
export {
  GraphClient,
  buildSendBody,
  DEFAULT_GRAPH_TIMEOUT_MS,
  type GraphClientOptions,
  type SendMessageBody,
} from './graph-client.js';
export {
  whatsappWebhookRoutes,
  WHATSAPP_WEBHOOK_PATH,
  DEFAULT_MAX_WEBHOOK_BODY_BYTES,
  type WhatsAppWebhookOptions,
} from './webhook.js';
