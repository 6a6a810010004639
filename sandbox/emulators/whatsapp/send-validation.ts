/**
 * Validates a `POST /{phone-number-id}/messages` body the way the Cloud API does, closely enough
 * that a malformed request from the bridge fails here instead of in production. Limits come from
 * the reference (§4): text 4096, caption 1024, ≤ 3 reply buttons of ≤ 20 chars, ≤ 10 list rows…
 */
import { GraphError, invalidParameter, whatsappGraphError } from './graph-errors.js';

export type ValidatedSend =
  | { kind: 'message'; type: string; to: string; recipientId: string; callbackData?: string }
  | { kind: 'read'; messageId: string; typingIndicator: boolean };

const MESSAGE_TYPES = ['audio', 'contacts', 'document', 'image', 'interactive', 'location', 'reaction', 'sticker', 'template', 'text', 'video'];

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';

export function validateSend(body: unknown): ValidatedSend | GraphError {
  if (!isObject(body)) return invalidParameter('The request body must be a JSON object.');
  if (body.messaging_product === undefined) return invalidParameter('The parameter messaging_product is required.');
  if (body.messaging_product !== 'whatsapp') return invalidParameter(`Param messaging_product must be one of {WHATSAPP} - got ${JSON.stringify(body.messaging_product)}.`);

  if (body.status !== undefined) return validateReadReceipt(body);

  if (body.recipient_type !== undefined && body.recipient_type !== 'individual' && body.recipient_type !== 'group') {
    return invalidParameter(`Param recipient_type must be one of {INDIVIDUAL, GROUP} - got ${JSON.stringify(body.recipient_type)}.`);
  }
  const recipient = resolveRecipient(body);
  if (recipient instanceof GraphError) return recipient;

  // The Cloud API defaults a missing `type` to text.
  const type = body.type ?? 'text';
  if (!isString(type) || !MESSAGE_TYPES.includes(type)) {
    return invalidParameter(`Param type must be one of {${MESSAGE_TYPES.map((t) => t.toUpperCase()).join(', ')}} - got ${JSON.stringify(type)}.`);
  }
  const typeObject = body[type];
  if (typeObject === undefined) return invalidParameter(`The parameter ${type} is required.`);
  const problem = TYPE_VALIDATORS[type]?.(typeObject, type);
  if (problem) return invalidParameter(problem);

  if (body.context !== undefined) {
    if (type === 'reaction') return whatsappGraphError({ code: 131009, details: 'Reactions cannot be sent as a contextual reply.' });
    if (!isObject(body.context) || !isString(body.context.message_id)) return invalidParameter("The parameter context['message_id'] is required.");
  }
  const callbackData = body.biz_opaque_callback_data;
  if (callbackData !== undefined && (!isString(callbackData) || callbackData.length > 512)) {
    return invalidParameter('Param biz_opaque_callback_data must be a string of at most 512 characters.');
  }
  return { kind: 'message', type, ...recipient, ...(isString(callbackData) ? { callbackData } : {}) };
}

function validateReadReceipt(body: Json): ValidatedSend | GraphError {
  if (body.status !== 'read') return invalidParameter(`Param status must be one of {READ} - got ${JSON.stringify(body.status)}.`);
  if (!isString(body.message_id) || body.message_id === '') return invalidParameter('The parameter message_id is required.');
  const typing = body.typing_indicator;
  if (typing !== undefined && (!isObject(typing) || typing.type !== 'text')) {
    return invalidParameter("Param typing_indicator['type'] must be one of {TEXT}.");
  }
  return { kind: 'read', messageId: body.message_id, typingIndicator: typing !== undefined };
}

/** `to` accepts `+`, `-`, spaces and parentheses; `recipient` is a 2026 business-scoped user id. */
function resolveRecipient(body: Json): { to: string; recipientId: string } | GraphError {
  if (body.to === undefined && body.recipient === undefined) return invalidParameter('The parameter to is required.');
  if (body.to === undefined) {
    if (!isString(body.recipient) || body.recipient === '') return invalidParameter('Param recipient must be a non-empty string.');
    return { to: body.recipient, recipientId: body.recipient };
  }
  if (!isString(body.to)) return invalidParameter('Param to must be a string.');
  const digits = body.to.replace(/[\s+\-()]/g, '');
  if (!/^\d{5,20}$/.test(digits)) return whatsappGraphError({ code: 131009, details: `Invalid phone number: ${JSON.stringify(body.to)}` });
  return { to: body.to, recipientId: digits };
}

type TypeValidator = (value: unknown, type: string) => string | undefined;

function maxLength(value: unknown, max: number, param: string, required: boolean): string | undefined {
  if (value === undefined) return required ? `The parameter ${param} is required.` : undefined;
  if (!isString(value)) return `Param ${param} must be a string.`;
  if (required && value.length === 0) return `Param ${param} must be a non-empty string.`;
  if (value.length > max) return `Param ${param} must be at most ${max} characters long.`;
  return undefined;
}

function unexpectedKeys(value: Json, allowed: string[], type: string): string | undefined {
  const extra = Object.keys(value).find((key) => !allowed.includes(key));
  return extra === undefined ? undefined : `Unexpected key "${extra}" on param "${type}".`;
}

const validateText: TypeValidator = (value) => {
  if (!isObject(value)) return 'Param text must be an object.';
  if (value.preview_url !== undefined && typeof value.preview_url !== 'boolean') return "Param text['preview_url'] must be a boolean.";
  return maxLength(value.body, 4096, "text['body']", true);
};

function validateMedia(captionAllowed: boolean): TypeValidator {
  return (value, type) => {
    if (!isObject(value)) return `Param ${type} must be an object.`;
    const allowed = ['id', 'link', ...(captionAllowed ? ['caption'] : []), ...(type === 'document' ? ['filename'] : [])];
    const unexpected = unexpectedKeys(value, allowed, type);
    if (unexpected) return unexpected;
    if ((value.id === undefined) === (value.link === undefined)) return `Param ${type} must contain exactly one of id or link.`;
    if (value.id !== undefined && (!isString(value.id) || value.id === '')) return `Param ${type}['id'] must be a non-empty string.`;
    if (value.link !== undefined && (!isString(value.link) || !/^https?:\/\//i.test(value.link))) return `Param ${type}['link'] must be an http(s) URL.`;
    if (type === 'document' && value.filename !== undefined && !isString(value.filename)) return "Param document['filename'] must be a string.";
    return maxLength(value.caption, 1024, `${type}['caption']`, false);
  };
}

function coordinate(value: unknown, limit: number): boolean {
  const number = typeof value === 'string' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) && Math.abs(number) <= limit;
}

const validateLocation: TypeValidator = (value) => {
  if (!isObject(value)) return 'Param location must be an object.';
  if (!coordinate(value.latitude, 90)) return "Param location['latitude'] must be a number between -90 and 90.";
  if (!coordinate(value.longitude, 180)) return "Param location['longitude'] must be a number between -180 and 180.";
  return undefined;
};

const validateContacts: TypeValidator = (value) => {
  if (!Array.isArray(value) || value.length === 0) return 'Param contacts must be a non-empty array.';
  if (value.length > 257) return 'Param contacts must contain at most 257 elements.';
  const index = value.findIndex((contact) => !isObject(contact) || !isObject(contact.name) || !isString(contact.name.formatted_name));
  return index === -1 ? undefined : `The parameter contacts[${index}]['name']['formatted_name'] is required.`;
};

const validateTemplate: TypeValidator = (value) => {
  if (!isObject(value)) return 'Param template must be an object.';
  if (!isString(value.name) || value.name === '') return "The parameter template['name'] is required.";
  if (!isObject(value.language) || !isString(value.language.code)) return "The parameter template['language']['code'] is required.";
  if (value.components !== undefined && !Array.isArray(value.components)) return "Param template['components'] must be an array.";
  return undefined;
};

const validateReaction: TypeValidator = (value) => {
  if (!isObject(value)) return 'Param reaction must be an object.';
  if (!isString(value.message_id) || value.message_id === '') return "The parameter reaction['message_id'] is required.";
  if (!isString(value.emoji)) return "The parameter reaction['emoji'] is required.";
  return undefined;
};

function validateReplyButtons(action: Json): string | undefined {
  const buttons = action.buttons;
  if (!Array.isArray(buttons) || buttons.length === 0 || buttons.length > 3) return "Param interactive['action']['buttons'] must contain 1 to 3 buttons.";
  const titles = new Set<string>();
  for (const [index, button] of buttons.entries()) {
    const reply = isObject(button) ? button.reply : undefined;
    if (!isObject(button) || button.type !== 'reply' || !isObject(reply)) return `Param interactive['action']['buttons'][${index}] must be {type:'reply', reply:{id, title}}.`;
    const problem =
      maxLength(reply.title, 20, `interactive['action']['buttons'][${index}]['reply']['title']`, true) ??
      maxLength(reply.id, 256, `interactive['action']['buttons'][${index}]['reply']['id']`, true);
    if (problem) return problem;
    if ((reply.id as string).trim() !== reply.id) return `Param interactive['action']['buttons'][${index}]['reply']['id'] cannot have leading or trailing spaces.`;
    if (titles.has(reply.title as string)) return 'Button titles must be unique.';
    titles.add(reply.title as string);
  }
  return undefined;
}

function validateListSections(action: Json): string | undefined {
  const buttonProblem = maxLength(action.button, 20, "interactive['action']['button']", true);
  if (buttonProblem) return buttonProblem;
  const sections = action.sections;
  if (!Array.isArray(sections) || sections.length === 0 || sections.length > 10) return "Param interactive['action']['sections'] must contain 1 to 10 sections.";
  let rows = 0;
  for (const [s, section] of sections.entries()) {
    if (!isObject(section) || !Array.isArray(section.rows)) return `Param interactive['action']['sections'][${s}]['rows'] is required.`;
    const titleProblem = maxLength(section.title, 24, `interactive['action']['sections'][${s}]['title']`, sections.length > 1);
    if (titleProblem) return titleProblem;
    for (const [r, row] of section.rows.entries()) {
      const at = `interactive['action']['sections'][${s}]['rows'][${r}]`;
      if (!isObject(row)) return `Param ${at} must be an object.`;
      const problem = maxLength(row.id, 200, `${at}['id']`, true) ?? maxLength(row.title, 24, `${at}['title']`, true) ?? maxLength(row.description, 72, `${at}['description']`, false);
      if (problem) return problem;
      rows += 1;
    }
  }
  return rows >= 1 && rows <= 10 ? undefined : 'A list message must contain 1 to 10 rows in total.';
}

const INTERACTIVE_TYPES = ['button', 'list', 'cta_url', 'flow', 'product', 'product_list', 'location_request_message', 'address_message', 'call_permission_request'];

const validateInteractive: TypeValidator = (value) => {
  if (!isObject(value)) return 'Param interactive must be an object.';
  if (!isString(value.type) || !INTERACTIVE_TYPES.includes(value.type)) {
    return `Param interactive['type'] must be one of {${INTERACTIVE_TYPES.map((t) => t.toUpperCase()).join(', ')}} - got ${JSON.stringify(value.type)}.`;
  }
  if (!isObject(value.action)) return "The parameter interactive['action'] is required.";
  if (value.type === 'button' || value.type === 'list') {
    const bodyText = isObject(value.body) ? value.body.text : undefined;
    const bodyProblem = maxLength(bodyText, value.type === 'button' ? 1024 : 4096, "interactive['body']['text']", true);
    if (bodyProblem) return bodyProblem;
    const footerText = isObject(value.footer) ? value.footer.text : undefined;
    const footerProblem = maxLength(footerText, 60, "interactive['footer']['text']", false);
    if (footerProblem) return footerProblem;
    return value.type === 'button' ? validateReplyButtons(value.action) : validateListSections(value.action);
  }
  return undefined;
};

const TYPE_VALIDATORS: Record<string, TypeValidator> = {
  text: validateText,
  image: validateMedia(true),
  video: validateMedia(true),
  document: validateMedia(true),
  audio: validateMedia(false),
  sticker: validateMedia(false),
  location: validateLocation,
  contacts: validateContacts,
  template: validateTemplate,
  reaction: validateReaction,
  interactive: validateInteractive,
};
