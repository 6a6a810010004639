/**
 * Meta's two error shapes: the synchronous Graph error body (`{error:{message, type, code, …}}`)
 * and the webhook error object (`{code, title, message, error_data:{details}, href}`) found in
 * `statuses[].errors`. Titles/details of well-known codes follow Meta's error-code page so the
 * bridge sees realistic text; logic should only depend on `code` and `details`.
 */
import type { GraphErrorSpec } from './types.js';
import { newFbTraceId } from './ids.js';

const ERROR_CODES_HREF = 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/';

interface KnownCode {
  title: string;
  details: string;
  httpStatus: number;
  type?: string;
}

const KNOWN_CODES: Record<number, KnownCode> = {
  4: { title: 'API Too Many Calls', details: 'The app has reached its API call rate limit.', httpStatus: 429 },
  100: { title: 'Invalid parameter', details: 'Invalid parameter', httpStatus: 400 },
  190: { title: 'Access token has expired', details: 'Error validating access token.', httpStatus: 401 },
  368: { title: 'Temporarily blocked for policies violations', details: 'The WhatsApp Business Account is restricted from messaging.', httpStatus: 400 },
  80007: { title: 'Rate limit issues', details: 'The WhatsApp Business Account has reached its rate limit.', httpStatus: 429 },
  130429: { title: 'Rate limit hit', details: 'Cloud API message throughput has been reached.', httpStatus: 429 },
  130472: { title: "User's number is part of an experiment", details: "Failed to send message because this user's phone number is part of an experiment", httpStatus: 400 },
  131000: { title: 'Something went wrong', details: 'Something went wrong', httpStatus: 500 },
  131005: { title: 'Access denied', details: 'Permission is either not granted or has been removed.', httpStatus: 403 },
  131008: { title: 'Required parameter is missing', details: 'The request is missing a required parameter.', httpStatus: 400 },
  131009: { title: 'Parameter value is not valid', details: 'One or more parameter values are invalid.', httpStatus: 400 },
  131016: { title: 'Service unavailable', details: 'A service is temporarily unavailable.', httpStatus: 503 },
  131021: { title: 'Recipient cannot be sender', details: 'Sender and recipient phone number is the same.', httpStatus: 400 },
  131026: { title: 'Message undeliverable', details: 'Unable to deliver message. Reasons can include: the recipient phone number is not a WhatsApp phone number; the recipient has not accepted the new Terms of Service; the recipient is using an old WhatsApp version.', httpStatus: 400 },
  131031: { title: 'Account has been locked', details: 'The WhatsApp Business Account associated with the app has been restricted or disabled.', httpStatus: 400 },
  131042: { title: 'Business eligibility payment issue', details: 'There was an error related to your payment method.', httpStatus: 400 },
  131047: { title: 'Re-engagement message', details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.', httpStatus: 400 },
  131048: { title: 'Spam rate limit hit', details: 'Message failed to send because there are restrictions on how many messages can be sent from this phone number.', httpStatus: 400 },
  131049: { title: 'Meta chose not to deliver.', details: 'This message was not delivered to maintain healthy ecosystem engagement.', httpStatus: 400 },
  131050: { title: 'User has stopped marketing messages', details: 'Unable to deliver the marketing message because the user has stopped marketing messages.', httpStatus: 400 },
  131051: { title: 'Unsupported message type', details: 'Message type is not currently supported.', httpStatus: 400 },
  131052: { title: 'Media download error', details: "Unable to download the media sent by the user.", httpStatus: 400 },
  131053: { title: 'Media upload error', details: 'Unable to upload the media used in the message.', httpStatus: 400 },
  131056: { title: '(Business Account, Consumer Account) pair rate limit hit', details: 'Too many messages sent from the sender phone number to the same recipient phone number in a short period of time.', httpStatus: 429 },
  131057: { title: 'Account in maintenance mode', details: 'Business Account is in maintenance mode.', httpStatus: 503 },
  132000: { title: 'Template Param Count Mismatch', details: 'The number of variable parameter values included in the request did not match the number of variable parameters defined in the template.', httpStatus: 400 },
  132001: { title: 'Template does not exist', details: 'The template does not exist in the specified language or the template has not been approved.', httpStatus: 400 },
  132012: { title: 'Template Parameter Format Mismatch', details: 'Variable parameter values formatted incorrectly.', httpStatus: 400 },
  132015: { title: 'Template is Paused', details: 'Template is paused due to low quality so it cannot be sent in a template message.', httpStatus: 400 },
  132016: { title: 'Template is Disabled', details: 'Template has been paused too many times due to low quality and is now permanently disabled.', httpStatus: 400 },
  133010: { title: 'Phone number Not Registered', details: 'The phone number is not registered on the WhatsApp Business Platform.', httpStatus: 400 },
  135000: { title: 'Generic user error', details: 'Message failed to send because of an unknown error with your request parameters.', httpStatus: 400 },
};

export interface GraphErrorBody {
  error: {
    message: string;
    type: string;
    code: number;
    error_subcode?: number;
    error_data?: { messaging_product: 'whatsapp'; details: string };
    fbtrace_id: string;
  };
}

/** A ready-to-send synchronous Graph error. */
export class GraphError {
  constructor(
    readonly httpStatus: number,
    readonly body: GraphErrorBody,
  ) {}
}

function describe(spec: GraphErrorSpec): { title: string; details: string; httpStatus: number } {
  const known = KNOWN_CODES[spec.code];
  return {
    title: spec.title ?? known?.title ?? `Error ${spec.code}`,
    details: spec.details ?? known?.details ?? spec.title ?? `Error ${spec.code}`,
    httpStatus: spec.httpStatus ?? known?.httpStatus ?? 400,
  };
}

/** Graph error body for a WhatsApp-level code, with `error_data.details` as Meta sends them. */
export function whatsappGraphError(spec: GraphErrorSpec): GraphError {
  const { title, details, httpStatus } = describe(spec);
  return new GraphError(httpStatus, {
    error: {
      message: `(#${spec.code}) ${title}`,
      type: 'OAuthException',
      code: spec.code,
      ...(spec.errorSubcode === undefined ? {} : { error_subcode: spec.errorSubcode }),
      error_data: { messaging_product: 'whatsapp', details },
      fbtrace_id: newFbTraceId(),
    },
  });
}

/** Code 100 with a Graph-style message such as `(#100) The parameter to is required.` */
export function invalidParameter(message: string): GraphError {
  return new GraphError(400, {
    error: { message: `(#100) ${message}`, type: 'OAuthException', code: 100, fbtrace_id: newFbTraceId() },
  });
}

export function invalidAccessToken(reason: string): GraphError {
  return new GraphError(401, {
    error: { message: `Invalid OAuth access token - ${reason}`, type: 'OAuthException', code: 190, fbtrace_id: newFbTraceId() },
  });
}

/** What Graph answers for an id it does not know (wrong phone-number-id, deleted media). */
export function unknownObject(verb: 'get' | 'post' | 'delete', id: string): GraphError {
  return new GraphError(400, {
    error: {
      message: `Unsupported ${verb} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
      type: 'GraphMethodException',
      code: 100,
      error_subcode: 33,
      fbtrace_id: newFbTraceId(),
    },
  });
}

export function unknownPath(path: string): GraphError {
  return new GraphError(400, {
    error: { message: `Unknown path components: ${path}`, type: 'OAuthException', code: 2500, fbtrace_id: newFbTraceId() },
  });
}

/** The error object inside `statuses[].errors[]` of a `failed` status webhook. */
export function webhookErrorObject(spec: GraphErrorSpec): Record<string, unknown> {
  const { title, details } = describe(spec);
  return { code: spec.code, title, message: title, error_data: { details }, href: ERROR_CODES_HREF };
}
