/**
 * The storage contract. The embedded implementation (lowdb + an append-only journal under
 * DATA_DIR) is the default; a PostgreSQL implementation serves deployments that outgrow one process.
 *
 * Durability rule: every method that writes resolves only once the write would survive the process
 * being killed (`kill -9`) right after. Callers acknowledge webhooks and chat events only after that.
 */
import type {
  ChatMessageRef,
  Conversation,
  DeliveryState,
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
  | { type: 'reaction'; targetWamid: string; emoji: string };

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
}

export type MessagePatch = Partial<Pick<MessageRecord, 'wamids' | 'chat' | 'status' | 'error' | 'excerpt' | 'reaction'>>;

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
}
