/**
 * Turns one verified WhatsApp Cloud API webhook body into the core's events.
 *
 * The body is untrusted in shape even when its signature is valid: Meta adds fields and message
 * types over time, documentation samples carry placeholders, and a stored body may be replayed days
 * later. So the parser reads every field defensively, never throws, treats every `type` and `field`
 * as an open enum, and explains what it skipped in `warnings` instead of guessing an id.
 * Field names and shapes: /work/shared/reference/whatsapp-cloud-api.md §1.4, §1.5, §2, §3, §9, §10.
 */
import type {
  ContactCard,
  Customer,
  DeliveryStatus,
  InboundContent,
  InboundMessage,
  MediaKind,
  WebhookEvent,
  WebhookParseResult,
  WhatsAppErrorInfo,
} from '../../bot/types.js';
import type { WebhookParser } from '../../bot/whatsapp-port.js';

const WHATSAPP_OBJECT = 'whatsapp_business_account';

/** Rejection reasons and error messages are capped so a 3 MB junk body cannot bloat a log line. */
const MAX_REASON_CHARS = 200;

/** `edit` wraps a message; an edit of an edit is not a thing, so nesting deeper than this is junk. */
const MAX_CONTENT_DEPTH = 3;

const MEDIA_KINDS: readonly MediaKind[] = ['image', 'video', 'audio', 'document', 'sticker'];

/**
 * Fields that carry per-number traffic Puente recognises and deliberately does not bridge.
 * `smb_message_echoes` matters most: they are the business's own sends from the WhatsApp Business
 * app (coexistence), and bridging them back would show agents their own messages as customer ones.
 */
const IGNORED_FIELDS: Readonly<Record<string, string>> = {
  smb_message_echoes: "the business's own messages sent from the WhatsApp Business app; never bridged back",
  calls: 'voice calls are not bridged',
  user_preferences: "customers' marketing preferences are not bridged",
  history: 'chat history synced from the WhatsApp Business app is not bridged',
  smb_app_state_sync: 'contact sync from the WhatsApp Business app is not bridged',
};

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

/** The `WebhookParser` for WhatsApp: one verified body in, events out; never throws. */
export function parseWebhook(body: string): WebhookParseResult {
  try {
    return parseEnvelope(body);
  } catch (err) {
    // Defensive readers should make this unreachable; it is here so a parser bug costs one body
    // (logged by the caller with this reason), never the process.
    return { ok: false, reason: `parser failure: ${clip(errorMessage(err))}` };
  }
}
parseWebhook satisfies WebhookParser;

/** Digits only: `+1 555-078-3881` → `15550783881`. Placeholders such as `<PHONE>` become `''`. */
export function normaliseDigits(s: string | undefined | null): string {
  return typeof s === 'string' ? s.replace(/\D+/g, '') : '';
}

function parseEnvelope(body: string): WebhookParseResult {
  if (typeof body !== 'string') return { ok: false, reason: 'body is not text' };

  let root: unknown;
  try {
    root = JSON.parse(body);
  } catch (err) {
    return { ok: false, reason: `malformed JSON: ${clip(errorMessage(err))}` };
  }
  if (!isObject(root)) {
    return { ok: false, reason: `body is not a JSON object (got ${describeJsonType(root)})` };
  }
  if (root.object !== WHATSAPP_OBJECT) {
    return {
      ok: false,
      reason: `not a WhatsApp Business webhook: "object" is ${clip(JSON.stringify(root.object) ?? 'missing')}, expected "${WHATSAPP_OBJECT}"`,
    };
  }
  if (!Array.isArray(root.entry)) {
    return { ok: false, reason: 'WhatsApp webhook has no "entry" array' };
  }

  const events: WebhookEvent[] = [];
  const warnings: string[] = [];
  root.entry.forEach((entry, entryIndex) => {
    if (!isObject(entry)) {
      warnings.push(`entry[${entryIndex}] is not an object; skipped`);
      return;
    }
    const wabaId = nonEmpty(entry.id);
    if (!Array.isArray(entry.changes)) {
      warnings.push(`entry[${entryIndex}] has no "changes" array; skipped`);
      return;
    }
    entry.changes.forEach((change, changeIndex) => {
      const where = `entry[${entryIndex}].changes[${changeIndex}]`;
      if (!isObject(change)) {
        warnings.push(`${where} is not an object; skipped`);
        return;
      }
      parseChange(change, wabaId, where, events, warnings);
    });
  });
  return { ok: true, events, warnings };
}

function parseChange(
  change: JsonObject,
  wabaId: string | undefined,
  where: string,
  events: WebhookEvent[],
  warnings: string[],
): void {
  const field = nonEmpty(change.field);
  if (!field) {
    warnings.push(`${where} has no "field"; skipped`);
    return;
  }
  if (field === 'messages') {
    if (!isObject(change.value)) {
      warnings.push(`${where} (messages) has no "value" object; skipped`);
      return;
    }
    parseMessagesValue(change.value, where, events, warnings);
    return;
  }
  const ignoredReason = IGNORED_FIELDS[field];
  if (ignoredReason !== undefined) {
    events.push({ type: 'ignored', field, reason: ignoredReason });
    return;
  }
  // account_update, quality, template, name updates, user_id_update and any field Meta adds later:
  // handed to the core unchanged; it decides what, if anything, to do with each.
  events.push({ type: 'account', field, ...(wabaId ? { wabaId } : {}), value: change.value });
}

// ---------------------------------------------------------------------------------------------
// field: "messages"
// ---------------------------------------------------------------------------------------------

/** What every message and status of one `messages` change shares. */
interface MessagesScope {
  numberId?: string;
  displayNumber?: string;
  /** `value.contacts[]`: the senders' profiles, matched to messages by `wa_id` / `user_id`. */
  senders: JsonObject[];
  where: string;
  warnings: string[];
}

function parseMessagesValue(value: JsonObject, where: string, events: WebhookEvent[], warnings: string[]): void {
  const metadata = isObject(value.metadata) ? value.metadata : {};
  const numberId = nonEmpty(metadata.phone_number_id);
  const displayNumber = nonEmpty(metadata.display_phone_number);
  const scope: MessagesScope = {
    numberId,
    displayNumber,
    senders: asArray(value.contacts).filter(isObject),
    where,
    warnings,
  };

  asArray(value.messages).forEach((raw, i) => {
    const event = parseMessage(raw, `${where}.messages[${i}]`, scope);
    if (event) events.push(event);
  });
  asArray(value.statuses).forEach((raw, i) => {
    const status = parseStatus(raw, `${where}.statuses[${i}]`, scope);
    if (status) events.push({ type: 'status', status });
  });
  const errors = mapErrors(value.errors);
  if (errors.length > 0) events.push({ type: 'error', ...(numberId ? { numberId } : {}), errors });
}

/**
 * The part of a message or status that routing needs: an object with an id, in a change that names
 * its business number. Anything less is skipped with a warning: an event with an empty id would land
 * nowhere.
 */
function routable(raw: unknown, where: string, scope: MessagesScope, label: (wamid: string) => string): { raw: JsonObject; wamid: string; numberId: string } | undefined {
  if (!isObject(raw)) {
    scope.warnings.push(`${where} is not an object; skipped`);
    return undefined;
  }
  const wamid = nonEmpty(raw.id);
  if (!wamid) {
    scope.warnings.push(`${where} has no message id; skipped`);
    return undefined;
  }
  if (!scope.numberId) {
    scope.warnings.push(`${label(wamid)} skipped: the change has no metadata.phone_number_id`);
    return undefined;
  }
  return { raw, wamid, numberId: scope.numberId };
}

function parseMessage(input: unknown, where: string, scope: MessagesScope): WebhookEvent | undefined {
  const { warnings } = scope;
  const found = routable(input, where, scope, (wamid) => `message ${wamid}`);
  if (!found) return undefined;
  const { raw, wamid, numberId } = found;
  if (isFromBusiness(nonEmpty(raw.from), scope)) {
    return {
      type: 'ignored',
      field: 'messages',
      reason: `message ${wamid} comes from the business number itself (echo); not bridged back`,
    };
  }
  const type = nonEmpty(raw.type) ?? 'unknown';
  const customer = resolveCustomer(raw, type, scope.senders);
  if (!customer.waId && !customer.userId) {
    warnings.push(`message ${wamid} skipped: no usable sender id (from, from_user_id or contacts[].wa_id/user_id)`);
    return undefined;
  }

  let timestamp = unixSecondsToMs(raw.timestamp);
  if (timestamp === undefined) {
    warnings.push(`message ${wamid} has no valid timestamp; using the time it was parsed`);
    timestamp = Date.now();
  }

  const message: InboundMessage = {
    wamid,
    numberId,
    ...(scope.displayNumber ? { displayNumber: scope.displayNumber } : {}),
    customer,
    timestamp,
    content: parseContent(raw, 0),
  };
  const context = parseContext(raw.context);
  if (context) message.context = context;
  const referral = parseReferral(raw.referral);
  if (referral) message.referral = referral;
  const errors = mapErrors(raw.errors);
  if (errors.length > 0) message.errors = errors;
  return { type: 'message', message };
}

/** A sender equal to the business's own number is the business talking: never a customer. */
function isFromBusiness(from: string | undefined, scope: MessagesScope): boolean {
  if (!from) return false;
  if (from === scope.numberId) return true;
  const fromDigits = normaliseDigits(from);
  return fromDigits !== '' && fromDigits === normaliseDigits(scope.displayNumber);
}

/**
 * Who wrote: `from` / `from_user_id` on the message, enriched by the matching `value.contacts[]`
 * entry. Ids are kept as sent, placeholders included; only empty strings count as missing.
 */
function resolveCustomer(raw: JsonObject, type: string, senders: JsonObject[]): Customer {
  const from = stripPlus(nonEmpty(raw.from));
  const fromUserId = nonEmpty(raw.from_user_id);
  let sender = senders.find(
    (s) => (from !== undefined && stripPlus(nonEmpty(s.wa_id)) === from) || (fromUserId !== undefined && nonEmpty(s.user_id) === fromUserId),
  );
  // A message with no sender id of its own can only belong to the one contact listed beside it.
  if (!sender && from === undefined && fromUserId === undefined && senders.length === 1) sender = senders[0];

  const profile = sender && isObject(sender.profile) ? sender.profile : {};
  const customer: Customer = {};
  const waId = from ?? stripPlus(nonEmpty(sender?.wa_id));
  const userId = fromUserId ?? nonEmpty(sender?.user_id);
  if (waId) customer.waId = waId;
  if (userId) customer.userId = userId;
  const name = nonEmpty(profile.name);
  if (name) customer.name = name;
  const username = nonEmpty(profile.username);
  if (username) customer.username = username;

  // `user_changed_user_id` arrives with no `from` and no contacts: the only identity it carries is
  // the customer's new one, in `system`. Using it keeps the notice routable (the old-to-new mapping
  // comes separately as a `user_id_update` account event).
  if (!customer.waId && !customer.userId && type === 'system' && isObject(raw.system)) {
    const newWaId = stripPlus(nonEmpty(raw.system.wa_id) ?? nonEmpty(raw.system.new_wa_id));
    const newUserId = nonEmpty(raw.system.user_id);
    if (newWaId) customer.waId = newWaId;
    if (newUserId) customer.userId = newUserId;
  }
  return customer;
}

// ---------------------------------------------------------------------------------------------
// Message content, one reader per type
// ---------------------------------------------------------------------------------------------

function parseContent(raw: JsonObject, depth: number): InboundContent {
  const type = nonEmpty(raw.type);
  if (!type) return { kind: 'unsupported', type: 'unknown', detail: 'message has no type' };
  const body = raw[type];

  if ((MEDIA_KINDS as readonly string[]).includes(type)) return parseMedia(type as MediaKind, body);
  switch (type) {
    case 'text':
      return parseText(body);
    case 'location':
      return parseLocation(body);
    case 'contacts':
      return { kind: 'contacts', contacts: asArray(body).filter(isObject).map(parseContactCard) };
    case 'interactive':
      return parseInteractive(body);
    case 'button':
      return parseButton(body);
    case 'reaction':
      return parseReaction(body);
    case 'order':
      return parseOrder(body);
    case 'system':
      return parseSystem(body);
    case 'edit':
      return parseEdit(body, depth);
    case 'revoke': {
      const targetWamid = isObject(body) ? nonEmpty(body.original_message_id) : undefined;
      return targetWamid
        ? { kind: 'revoke', targetWamid }
        : { kind: 'unsupported', type, detail: 'revoke without original_message_id' };
    }
    case 'unsupported':
      return parseUnsupported(raw, body);
    case 'request_welcome':
      // No content: the customer opened a chat with the business (meaning per whatsapp-api-js;
      // not confirmed by Meta). Shown as a notice rather than as something the customer "sent".
      return { kind: 'system', systemType: 'request_welcome', body: 'The customer opened a chat with this number.' };
    default:
      // An open enum: new types must reach the thread as a visible placeholder, never vanish.
      return { kind: 'unsupported', type, detail: `message type "${clip(type)}" is not supported by this bridge` };
  }
}

function parseText(body: unknown): InboundContent {
  const text = isObject(body) ? asString(body.body) : undefined;
  return text !== undefined ? { kind: 'text', text } : { kind: 'unsupported', type: 'text', detail: 'text message without text.body' };
}

function parseMedia(mediaType: MediaKind, body: unknown): InboundContent {
  const mediaId = isObject(body) ? nonEmpty(body.id) : undefined;
  if (!isObject(body) || !mediaId) {
    return { kind: 'unsupported', type: mediaType, detail: `${mediaType} message without a media id` };
  }
  const content: Extract<InboundContent, { kind: 'media' }> = { kind: 'media', mediaType, mediaId };
  const mimeType = nonEmpty(body.mime_type);
  if (mimeType) content.mimeType = mimeType;
  // sha256 is base64 in Meta's samples and hex elsewhere: kept opaque.
  const sha256 = nonEmpty(body.sha256);
  if (sha256) content.sha256 = sha256;
  const url = nonEmpty(body.url);
  if (url) content.url = url;
  const caption = asString(body.caption);
  if (caption) content.caption = caption;
  const filename = nonEmpty(body.filename);
  if (filename) content.filename = filename;
  if (typeof body.voice === 'boolean') content.voice = body.voice;
  if (typeof body.animated === 'boolean') content.animated = body.animated;
  return content;
}

/** Meta's reference has numbers; whatsapp-api-js types them as strings. Both are accepted. */
function parseLocation(body: unknown): InboundContent {
  const latitude = isObject(body) ? asNumber(body.latitude) : undefined;
  const longitude = isObject(body) ? asNumber(body.longitude) : undefined;
  if (!isObject(body) || latitude === undefined || longitude === undefined) {
    return { kind: 'unsupported', type: 'location', detail: 'location without a valid latitude/longitude' };
  }
  const content: Extract<InboundContent, { kind: 'location' }> = { kind: 'location', latitude, longitude };
  const name = nonEmpty(body.name);
  if (name) content.name = name;
  const address = nonEmpty(body.address);
  if (address) content.address = address;
  const url = nonEmpty(body.url);
  if (url) content.url = url;
  return content;
}

function parseContactCard(card: JsonObject): ContactCard {
  const name = isObject(card.name) ? card.name : {};
  const org = isObject(card.org) ? card.org : {};
  const phones = asArray(card.phones)
    .filter(isObject)
    .flatMap((p) => {
      const waId = nonEmpty(p.wa_id);
      const phone = nonEmpty(p.phone) ?? (waId ? `+${waId}` : undefined);
      if (!phone) return [];
      return [{ phone, ...(waId ? { waId } : {}), ...optional('type', nonEmpty(p.type)) }];
    });
  const emails = asArray(card.emails)
    .filter(isObject)
    .flatMap((e) => {
      const email = nonEmpty(e.email);
      return email ? [{ email, ...optional('type', nonEmpty(e.type)) }] : [];
    });
  const urls = asArray(card.urls)
    .filter(isObject)
    .flatMap((u) => {
      const url = nonEmpty(u.url);
      return url ? [{ url, ...optional('type', nonEmpty(u.type)) }] : [];
    });
  const addresses = asArray(card.addresses)
    .filter(isObject)
    .flatMap((a) => {
      const text = formatAddress(a);
      return text ? [{ text, ...optional('type', nonEmpty(a.type)) }] : [];
    });

  const firstName = nonEmpty(name.first_name);
  const lastName = nonEmpty(name.last_name);
  const formattedName =
    nonEmpty(name.formatted_name) ??
    ([nonEmpty(name.prefix), firstName, nonEmpty(name.middle_name), lastName, nonEmpty(name.suffix)].filter(Boolean).join(' ') ||
      nonEmpty(org.company) ||
      phones[0]?.phone ||
      'Unnamed contact');

  return {
    formattedName,
    ...optional('firstName', firstName),
    ...optional('lastName', lastName),
    ...optional('company', nonEmpty(org.company)),
    ...optional('department', nonEmpty(org.department)),
    ...optional('title', nonEmpty(org.title)),
    phones,
    emails,
    urls,
    addresses,
    ...optional('birthday', nonEmpty(card.birthday)),
  };
}

/** One line, in the order people write addresses: street, city, state zip, country. */
function formatAddress(a: JsonObject): string {
  const stateZip = [nonEmpty(a.state), nonEmpty(a.zip)].filter(Boolean).join(' ');
  return [nonEmpty(a.street), nonEmpty(a.city), stateZip, nonEmpty(a.country) ?? nonEmpty(a.country_code)]
    .filter((part): part is string => Boolean(part))
    .join(', ');
}

function parseInteractive(body: unknown): InboundContent {
  if (!isObject(body)) {
    // Seen in pywa's samples together with a value-level error: show it rather than drop it.
    return { kind: 'unsupported', type: 'interactive', detail: 'interactive message without its "interactive" object' };
  }
  const replyType = nonEmpty(body.type) ?? 'unknown';
  const reply = isObject(body[replyType]) ? (body[replyType] as JsonObject) : {};
  switch (replyType) {
    case 'nfm_reply':
      // Flow or address form submitted. `name` is "flow" / "address_message"; the submitted data
      // is a JSON string, carried in `description` so agents can see what the customer entered.
      return {
        kind: 'interactive',
        replyType,
        ...optional('title', nonEmpty(reply.name)),
        ...optional('body', asString(reply.body)),
        ...optional('description', asString(reply.response_json)),
      };
    case 'call_permission_reply':
      return { kind: 'interactive', replyType, ...optional('title', nonEmpty(reply.response)) };
    default:
      // button_reply {id, title}, list_reply {id, title, description} and anything newer alike.
      return {
        kind: 'interactive',
        replyType,
        ...optional('id', nonEmpty(reply.id)),
        ...optional('title', asString(reply.title)),
        ...optional('description', asString(reply.description)),
        ...optional('body', asString(reply.body)),
      };
  }
}

function parseButton(body: unknown): InboundContent {
  if (!isObject(body)) return { kind: 'unsupported', type: 'button', detail: 'button message without its "button" object' };
  const payload = asString(body.payload);
  // `payload` defaults to the label when the template set none, so either stands for the tap.
  const text = asString(body.text) ?? payload ?? '';
  return { kind: 'button', text, ...optional('payload', payload) };
}

/** Removal arrives as `emoji: ""` (pywa samples) or with `emoji` omitted (Meta): both → no emoji. */
function parseReaction(body: unknown): InboundContent {
  const targetWamid = isObject(body) ? nonEmpty(body.message_id) : undefined;
  if (!isObject(body) || !targetWamid) {
    return { kind: 'unsupported', type: 'reaction', detail: 'reaction without message_id' };
  }
  const emoji = nonEmpty(body.emoji);
  return { kind: 'reaction', targetWamid, ...optional('emoji', emoji) };
}

function parseOrder(body: unknown): InboundContent {
  if (!isObject(body)) return { kind: 'unsupported', type: 'order', detail: 'order message without its "order" object' };
  const items = asArray(body.product_items)
    .filter(isObject)
    .map((item) => ({
      productId: nonEmpty(item.product_retailer_id) ?? '',
      quantity: asNumber(item.quantity) ?? 0,
      ...optional('price', asNumber(item.item_price)),
      ...optional('currency', nonEmpty(item.currency)),
    }));
  return {
    kind: 'order',
    ...optional('catalogId', nonEmpty(body.catalog_id)),
    ...optional('text', nonEmpty(body.text)),
    items,
  };
}

function parseSystem(body: unknown): InboundContent {
  if (!isObject(body)) return { kind: 'unsupported', type: 'system', detail: 'system message without its "system" object' };
  const systemType = nonEmpty(body.type) ?? 'unknown';
  return {
    kind: 'system',
    systemType,
    body: asString(body.body) ?? '',
    // `wa_id` is current; `new_wa_id` is the older name of the same field.
    ...optional('newWaId', stripPlus(nonEmpty(body.wa_id) ?? nonEmpty(body.new_wa_id))),
    ...optional('newUserId', nonEmpty(body.user_id)),
  };
}

function parseEdit(body: unknown, depth: number): InboundContent {
  const targetWamid = isObject(body) ? nonEmpty(body.original_message_id) : undefined;
  if (!isObject(body) || !targetWamid) {
    return { kind: 'unsupported', type: 'edit', detail: 'edit without original_message_id' };
  }
  const inner = body.message;
  const content: InboundContent =
    !isObject(inner)
      ? { kind: 'unsupported', type: 'edit', detail: 'edit without the edited message' }
      : depth + 1 >= MAX_CONTENT_DEPTH
        ? { kind: 'unsupported', type: 'edit', detail: 'edit nested too deeply' }
        : parseContent(inner, depth + 1);
  return { kind: 'edit', targetWamid, content };
}

function parseUnsupported(raw: JsonObject, body: unknown): InboundContent {
  // `unsupported.type` names what the customer really sent (poll, edit, …) when Meta says so.
  const sentType = isObject(body) ? nonEmpty(body.type) : undefined;
  const firstError = mapErrors(raw.errors)[0];
  const detail = firstError?.details ?? firstError?.message ?? firstError?.title;
  return { kind: 'unsupported', type: sentType ?? 'unsupported', ...optional('detail', detail) };
}

// ---------------------------------------------------------------------------------------------
// Context, referral, errors
// ---------------------------------------------------------------------------------------------

function parseContext(raw: unknown): InboundMessage['context'] {
  if (!isObject(raw)) return undefined;
  const context: NonNullable<InboundMessage['context']> = {};
  const quotedWamid = nonEmpty(raw.id);
  if (quotedWamid) context.quotedWamid = quotedWamid;
  if (raw.forwarded === true) context.forwarded = true;
  if (raw.frequently_forwarded === true) context.frequentlyForwarded = true;
  if (isObject(raw.referred_product)) {
    context.referredProduct = {
      ...optional('catalogId', nonEmpty(raw.referred_product.catalog_id)),
      ...optional('productId', nonEmpty(raw.referred_product.product_retailer_id)),
    };
  }
  return Object.keys(context).length > 0 ? context : undefined;
}

function parseReferral(raw: unknown): InboundMessage['referral'] {
  if (!isObject(raw)) return undefined;
  const referral = {
    ...optional('sourceUrl', nonEmpty(raw.source_url)),
    ...optional('headline', nonEmpty(raw.headline)),
    ...optional('body', nonEmpty(raw.body)),
    ...optional('sourceType', nonEmpty(raw.source_type)),
  };
  return Object.keys(referral).length > 0 ? referral : undefined;
}

/**
 * The error shape shared by `value.errors`, `messages[].errors` and `statuses[].errors`. Meta says
 * to build logic on `code` and `details`; titles are kept for display only. An entry without a
 * numeric code keeps code 0 rather than being lost.
 */
function mapErrors(raw: unknown): WhatsAppErrorInfo[] {
  return asArray(raw)
    .filter(isObject)
    .map((e) => {
      const details = isObject(e.error_data) ? nonEmpty(e.error_data.details) : undefined;
      return {
        code: asNumber(e.code) ?? 0,
        ...optional('title', nonEmpty(e.title)),
        ...optional('message', nonEmpty(e.message)),
        ...optional('details', details),
      };
    });
}

// ---------------------------------------------------------------------------------------------
// Statuses
// ---------------------------------------------------------------------------------------------

function parseStatus(input: unknown, where: string, scope: MessagesScope): DeliveryStatus | undefined {
  const { warnings } = scope;
  const found = routable(input, where, scope, (wamid) => `status for ${wamid}`);
  if (!found) return undefined;
  const { raw, wamid, numberId } = found;
  // Kept as sent: `played` is new (2026) and more may come; the core ignores what it does not know.
  const status = nonEmpty(raw.status);
  if (!status) {
    warnings.push(`status for ${wamid} skipped: no "status"`);
    return undefined;
  }
  let timestamp = unixSecondsToMs(raw.timestamp);
  if (timestamp === undefined) {
    warnings.push(`status for ${wamid} has no valid timestamp; using the time it was parsed`);
    timestamp = Date.now();
  }
  const errors = mapErrors(raw.errors);
  return {
    wamid,
    numberId,
    // Group sends carry the group id here; username users may only have `recipient_user_id`.
    ...optional('recipientId', nonEmpty(raw.recipient_id) ?? nonEmpty(raw.recipient_user_id)),
    status,
    timestamp,
    ...(errors.length > 0 ? { errors } : {}),
    ...optional('callbackData', asString(raw.biz_opaque_callback_data)),
  };
}

// ---------------------------------------------------------------------------------------------
// Defensive readers
// ---------------------------------------------------------------------------------------------

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Ids sometimes arrive as JSON numbers (template ids); they are read as their decimal text. */
function asString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** A string with something in it, trimmed; `''` and whitespace count as missing. */
function nonEmpty(v: unknown): string | undefined {
  const s = asString(v)?.trim();
  return s ? s : undefined;
}

function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** `"1697043223"` (unix seconds, as WhatsApp sends them) → ms since epoch. */
function unixSecondsToMs(v: unknown): number | undefined {
  const seconds = asNumber(v);
  return seconds !== undefined && seconds > 0 ? Math.round(seconds * 1000) : undefined;
}

/** `wa_id` is digits without `+`; tolerate a `+` in case a sample or a future payload adds one. */
function stripPlus(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  const stripped = s.startsWith('+') ? s.slice(1).trim() : s;
  return stripped || undefined;
}

/** `{ key: value }` when value is defined, `{}` otherwise: keeps optional fields truly absent. */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function describeJsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function clip(s: string): string {
  return s.length > MAX_REASON_CHARS ? `${s.slice(0, MAX_REASON_CHARS)}…` : s;
}
