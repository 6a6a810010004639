/**
 * The storage contract. The embedded implementation (lowdb + an append-only journal under
 * DATA_DIR) is the default; a PostgreSQL implementation serves deployments that outgrow one process.
 *
 * Durability rule: every method that writes resolves only once the write would survive the process
 * being killed (`kill -9`) right after. Callers acknowledge webhooks and chat events only after that.
 */
import type {
  ChatFileRef,
  ChatMessageRef,
  Conversation,
  DeliveryState,
  TemplateSend,
  WhatsAppErrorInfo,
} from '../bot/types.js';

/** A raw, verified webhook body waiting to be processed. */
export interface InboxItem {
  id: string;
  /** Which receiver stored it: `whatsapp`, later others. */
  source: string;
  /** The exact body bytes as UTF-8 text. */
  body: string;
  receivedAt: number;
}

/** What the bridge sends to WhatsApp, in the core's terms. */
export type OutboundPayload =
  | { type: 'text'; text: string; quotedWamid?: string }
  | { type: 'reaction'; targetWamid: string; emoji: string }
  | { type: 'template'; template: TemplateSend }
  /**
   * An agent's file: only the chat tool's reference is stored (never the bytes), and the download,
   * type check and upload happen at send time, so a crash resumes from the reference.
   */
  | { type: 'file'; file: ChatFileRef; caption?: string };

/** One send to WhatsApp waiting to happen, stored before it is attempted. */
export interface OutboxItem {
  id: string;
  /** The message record this send belongs to (a long reply has several parts). */
  messageKey: string;
  conversationId: string;
  numberId: string;
  payload: OutboundPayload;
  createdAt: number;
}

export type OutboxResult = { ok: true; wamid: string } | { ok: false; error: WhatsAppErrorInfo };

/** A bridged message, either direction. */
export interface MessageRecord {
  /** Inbound: the wamid. Outbound: the chat tool's message key (for example `slack:C123:1712.0001`). */
  key: string;
  direction: 'in' | 'out';
  conversationId: string;
  /** WhatsApp ids of this message (inbound: one; outbound: one per part once sent). */
  wamids: string[];
  /** The message in the chat tool (inbound: Puente's post; outbound: the agent's message). */
  chat?: ChatMessageRef;
  /** A short excerpt, kept to show quotes. */
  excerpt?: string;
  at: number;
  /** Outbound only: the best delivery state seen so far. */
  status?: DeliveryState;
  error?: WhatsAppErrorInfo;
  /** The emoji the customer's reaction currently puts on this message, so a removal knows what to take off. */
  reaction?: string;
  /** Inbound media only: how far the file got, so a recovered or redelivered webhook resumes instead of repeating. */
  media?: InboundMediaProgress;
}

/**
 * `pending`: a placeholder is in the thread and the download is being retried; `staged`: the file is
 * uploaded to the chat tool and about to be shared (`staged` names it, for `findPosted`); `bridged`:
 * the file is in the thread; `failed`: it never will be, and the placeholder says why.
 */
export interface InboundMediaProgress {
  state: 'pending' | 'staged' | 'bridged' | 'failed';
  staged?: { id: string; key: string };
}

/** A number nobody may message and whose messages are dropped (`/block`). Numbers are E.164 digits, no `+`. */
export interface BlockEntry {
  number: string;
  /** Chat user id of the supervisor who blocked it. */
  by: string;
  reason?: string;
  at: number;
}

/** A contact who asked not to receive bulk messages (a keyword such as STOP, or `/optout`). */
export interface OptOutEntry {
  number: string;
  at: number;
  /** The keyword the customer sent, or the supervisor who ran `/optout`. */
  source: { keyword: string } | { by: string };
}

/** An imported do-not-contact list (Spain's Robinson list or any CSV of numbers), replaced whole on import. */
export interface DoNotContactList {
  numbers: string[];
  importedAt: number;
  importedBy: string;
  fileName: string;
}

/** Who may be contacted, and how: small state changed by people, not by traffic. */
export interface ContactPolicyState {
  blocked: BlockEntry[];
  optedOut: OptOutEntry[];
  doNotContact?: DoNotContactList;
  /** When each blocked number was last auto-replied to, per business number: `<numberId>:<number>` → ms. */
  blockedReplies: Record<string, number>;
}

/** What `eraseCustomer` removed. */
export interface ErasureReport {
  conversations: number;
  messages: number;
  pendingSends: number;
  blocked: boolean;
  optedOut: boolean;
  doNotContact: boolean;
}

export type MessagePatch = Partial<Pick<MessageRecord, 'wamids' | 'chat' | 'status' | 'error' | 'excerpt' | 'reaction' | 'media'>>;

export interface Store {
  /** Load state from disk or connect; must be called before anything else. */
  open(): Promise<void>;
  close(): Promise<void>;

  // Inbox: verified webhook bodies, stored before the 200.
  appendInbox(source: string, body: string, receivedAt: number): Promise<InboxItem>;
  pendingInbox(): Promise<InboxItem[]>;
  completeInbox(id: string): Promise<void>;

  // Conversations.
  getConversation(id: string): Promise<Conversation | undefined>;
  saveConversation(conversation: Conversation): Promise<void>;
  /** Conversations whose thread is `threadId` in `channel` of `adapter`. */
  findConversationByThread(adapter: string, channel: string, threadId: string): Promise<Conversation | undefined>;
  countConversations(): Promise<number>;

  // Messages.
  getMessage(key: string): Promise<MessageRecord | undefined>;
  findMessageByWamid(wamid: string): Promise<MessageRecord | undefined>;
  findMessageByChatRef(ref: ChatMessageRef): Promise<MessageRecord | undefined>;
  /** Insert a message; resolves false (and writes nothing) when the key exists already. */
  insertMessage(record: MessageRecord): Promise<boolean>;
  updateMessage(key: string, patch: MessagePatch): Promise<void>;
  countMessages(): Promise<number>;

  // Outbox: sends stored before they are attempted.
  /** Insert sends; a send whose id exists already is skipped. */
  appendOutbox(items: OutboxItem[]): Promise<void>;
  pendingOutbox(): Promise<OutboxItem[]>;
  completeOutbox(id: string, result: OutboxResult): Promise<void>;
  getOutboxResult(id: string): Promise<OutboxResult | undefined>;

  // Contact policy: block list, opt-outs, do-not-contact list (small; read whole, changed per entry).
  getContactPolicy(): Promise<ContactPolicyState>;
  /** Adds or replaces the block of `entry.number`. */
  putBlock(entry: BlockEntry): Promise<void>;
  /** Resolves false when the number was not blocked. */
  removeBlock(number: string): Promise<boolean>;
  putOptOut(entry: OptOutEntry): Promise<void>;
  removeOptOut(number: string): Promise<boolean>;
  replaceDoNotContact(list: DoNotContactList): Promise<void>;
  noteBlockedReply(numberId: string, number: string, at: number): Promise<void>;

  // Data protection.
  /**
   * Right to erasure: deletes every conversation with the customer whose WhatsApp number is `number`
   * (E.164 digits) on every line, with its messages, sends and policy entries, so that no store file
   * holds the number or anything said afterwards. Resolves once that is true on disk.
   */
  eraseCustomer(number: string): Promise<ErasureReport>;
  /** Retention: deletes message records older than `cutoff` (ms) from memory and disk; resolves with how many. */
  pruneMessagesBefore(cutoff: number): Promise<number>;
}
