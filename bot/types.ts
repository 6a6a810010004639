/**
 * The bridge core's own vocabulary. Nothing here knows about Slack, Teams, Cliq or the Graph API's
 * wire format: adapters translate to and from these types.
 */

/** A WhatsApp business number, identified by the Cloud API's `phone_number_id`. */
export type NumberId = string;

/**
 * The customer side of a conversation. WhatsApp is moving from phone-number ids (`wa_id`) to
 * business-scoped user ids (`user_id`); either may be missing, so neither is assumed.
 */
export interface Customer {
  /** Phone-number based WhatsApp id (digits, no `+`), when WhatsApp sent one. */
  waId?: string;
  /** Business-scoped user id (BSUID), when WhatsApp sent one. */
  userId?: string;
  /** The profile name the customer chose in WhatsApp. */
  name?: string;
  /** WhatsApp username, for users who adopted one. */
  username?: string;
}

/** Where a conversation lives in a chat tool: the adapter, the channel and the thread root id. */
export interface ThreadRef {
  adapter: string;
  channel: string;
  /** The chat tool's id of the thread root (Slack: the parent message `ts`). */
  id: string;
}

/** One message in a chat tool. */
export interface ChatMessageRef {
  adapter: string;
  channel: string;
  /** The chat tool's message id (Slack: `ts`). */
  id: string;
  /** The thread the message belongs to, if any. */
  threadId?: string;
}

export interface Conversation {
  /** Stable id derived from (numberId, customer key): the same conversation always gets the same id. */
  id: string;
  numberId: NumberId;
  /** The key the conversation is indexed by: `wa:<wa_id>` or `user:<user_id>`. */
  customerKey: string;
  customer: Customer;
  thread?: ThreadRef;
  createdAt: number;
  /** Last time (ms) the customer wrote: the 24-hour customer-service window runs from here. */
  lastInboundAt?: number;
}

// ---------------------------------------------------------------------------------------------
// Inbound (customer → chat tool)
// ---------------------------------------------------------------------------------------------

export type MediaKind = 'image' | 'video' | 'audio' | 'document' | 'sticker';

export interface ContactCard {
  formattedName: string;
  firstName?: string;
  lastName?: string;
  company?: string;
  department?: string;
  title?: string;
  phones: { phone: string; waId?: string; type?: string }[];
  emails: { email: string; type?: string }[];
  urls: { url: string; type?: string }[];
  addresses: { text: string; type?: string }[];
  birthday?: string;
}

export type InboundContent =
  | { kind: 'text'; text: string }
  | {
      kind: 'media';
      mediaType: MediaKind;
      mediaId: string;
      mimeType?: string;
      sha256?: string;
      url?: string;
      caption?: string;
      filename?: string;
      /** audio recorded with the in-app voice recorder */
      voice?: boolean;
      /** animated sticker */
      animated?: boolean;
    }
  | { kind: 'location'; latitude: number; longitude: number; name?: string; address?: string; url?: string }
  | { kind: 'contacts'; contacts: ContactCard[] }
  /** Tap on a template quick-reply button. */
  | { kind: 'button'; text: string; payload?: string }
  /** Tap on an interactive message (reply button, list row, flow, …). */
  | { kind: 'interactive'; replyType: string; id?: string; title?: string; description?: string; body?: string }
  /** A reaction to one of the business's messages; no emoji (or empty) means the reaction was removed. */
  | { kind: 'reaction'; targetWamid: string; emoji?: string }
  | {
      kind: 'order';
      catalogId?: string;
      text?: string;
      items: { productId: string; quantity: number; price?: number; currency?: string }[];
    }
  /** A system notice: user changed number, identity changed, … */
  | { kind: 'system'; systemType: string; body: string; newWaId?: string; newUserId?: string }
  /** The customer edited a message (coexistence numbers only). */
  | { kind: 'edit'; targetWamid: string; content: InboundContent }
  /** The customer deleted a message for everyone (coexistence numbers only). */
  | { kind: 'revoke'; targetWamid: string }
  /** Anything WhatsApp could not represent, or a type this bridge does not know: shown as a placeholder. */
  | { kind: 'unsupported'; type: string; detail?: string };

export interface WhatsAppErrorInfo {
  code: number;
  title?: string;
  message?: string;
  details?: string;
}

export interface InboundMessage {
  /** WhatsApp message id (wamid): the dedupe key. */
  wamid: string;
  numberId: NumberId;
  /** The business number's display number, digits only, as the webhook carries it. */
  displayNumber?: string;
  customer: Customer;
  /** ms since epoch */
  timestamp: number;
  content: InboundContent;
  /** Quoted message (a reply), forward flags, product enquiry. */
  context?: {
    quotedWamid?: string;
    forwarded?: boolean;
    frequentlyForwarded?: boolean;
    referredProduct?: { catalogId?: string; productId?: string };
  };
  /** Click-to-WhatsApp ad the customer came from. */
  referral?: { sourceUrl?: string; headline?: string; body?: string; sourceType?: string };
  errors?: WhatsAppErrorInfo[];
}

export type DeliveryState = 'sent' | 'delivered' | 'read' | 'played' | 'failed';

export interface DeliveryStatus {
  wamid: string;
  numberId: NumberId;
  recipientId?: string;
  /** Known states; anything else WhatsApp invents is carried as-is and ignored by the core. */
  status: DeliveryState | (string & {});
  timestamp: number;
  errors?: WhatsAppErrorInfo[];
  /** `biz_opaque_callback_data` echoed from the send: Puente puts its outbox id there. */
  callbackData?: string;
}

/** What one webhook body turns into. */
export type WebhookEvent =
  | { type: 'message'; message: InboundMessage }
  | { type: 'status'; status: DeliveryStatus }
  /** `value.errors[]`: system/app/account level problem for a number. */
  | { type: 'error'; numberId?: NumberId; errors: WhatsAppErrorInfo[] }
  /** Account-level fields (quality, templates, account_update, …) kept for later issues. */
  | { type: 'account'; field: string; wabaId?: string; value: unknown }
  /** Something recognised and deliberately not bridged (echoes of the business's own sends, calls, …). */
  | { type: 'ignored'; field: string; reason: string };

export type WebhookParseResult =
  | { ok: true; events: WebhookEvent[]; warnings: string[] }
  | { ok: false; reason: string };

// ---------------------------------------------------------------------------------------------
// Outbound (agent → customer)
// ---------------------------------------------------------------------------------------------

/** An agent (a human in the chat tool). */
export interface Agent {
  id: string;
  /** The name the chat tool shows for them: used to sign replies in `agent` sender mode. */
  displayName?: string;
}

/** A human message posted in a thread. `text` is already in WhatsApp's formatting. */
export interface AgentMessage {
  /** Unique per chat message, stable across the chat tool's retries (Slack: `slack:<channel>:<ts>`). */
  key: string;
  ref: ChatMessageRef;
  thread: ThreadRef;
  agent: Agent;
  text: string;
  /** Files attached to the message, in the order the agent attached them. */
  files?: ChatFileRef[];
  /** ms since epoch */
  timestamp: number;
}

/**
 * A file an agent attached in the chat tool, as the tool describes it. Only `id` and `source` are
 * needed to fetch it; the declared size is checked before downloading, but the bytes decide the type.
 */
export interface ChatFileRef {
  /** The chat tool's file id. */
  id: string;
  name: string;
  /** Size the chat tool declares, in bytes. */
  size?: number;
  /** MIME type the chat tool declares: a hint, never trusted alone. */
  mimeType?: string;
  /** Where the adapter downloads it from (Slack: `url_private_download`); opaque to the core. */
  source?: string;
}

export interface AgentReaction {
  key: string;
  /** The chat message that was reacted to. */
  target: ChatMessageRef;
  agent: Agent;
  /** Unicode emoji, or undefined when the chat tool's emoji has no Unicode equivalent (custom emoji). */
  emoji?: string;
  /** The chat tool's name for the emoji, for notices. */
  emojiName: string;
  removed: boolean;
}

/** An agent edited or deleted a message in a bridged thread: cannot be relayed to WhatsApp. */
export interface AgentChange {
  kind: 'edit' | 'delete';
  target: ChatMessageRef;
  thread: ThreadRef;
  agent: Agent;
}

export type SenderMode = 'branded' | 'agent';

// ---------------------------------------------------------------------------------------------
// Message templates (the only messages WhatsApp accepts outside the 24-hour window)
// ---------------------------------------------------------------------------------------------

/** One approved-or-not template of a WhatsApp Business Account, in one language. */
export interface MessageTemplate {
  id?: string;
  name: string;
  /** WhatsApp's language code: `es`, `en_US`, … */
  language: string;
  /** `APPROVED`, `PENDING`, `PAUSED`, … (an open set). */
  status: string;
  category?: string;
  /** Positional `{{1}}` (WhatsApp's default) or named `{{first_name}}` placeholders. */
  parameterFormat: 'positional' | 'named';
  components: TemplateComponent[];
}

export interface TemplateComponent {
  /** `HEADER`, `BODY`, `FOOTER`, `BUTTONS`. */
  type: string;
  /** Header only: `TEXT`, `IMAGE`, `VIDEO`, `DOCUMENT`, `LOCATION`. */
  format?: string;
  text?: string;
  buttons?: { type: string; text?: string; url?: string }[];
}

/** The values one template send fills in, in the core's terms (the Graph client builds the wire body). */
export interface TemplateSend {
  name: string;
  language: string;
  header?: { type: 'text'; text: string; parameterName?: string } | { type: 'image' | 'video' | 'document'; link: string };
  body: { text: string; parameterName?: string }[];
  /** Values appended to dynamic URL buttons, by the button's position. */
  buttons: { index: number; text: string }[];
}
