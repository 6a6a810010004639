/**
 * The one contract every chat tool (Slack, Teams, Cliq, …) implements. The core reads
 * `capabilities` instead of asking "is this Slack?"; adding a chat tool means one new folder under
 * `adapters/` that implements this interface, and nothing in `bot/` changes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  AgentChange,
  AgentMessage,
  AgentReaction,
  ChatMessageRef,
  DeliveryState,
  ThreadRef,
} from './types.js';

/** An HTTP route an adapter serves on the bridge's single port. The handler gets the unread request. */
export interface HttpRoute {
  method: 'GET' | 'POST';
  path: string;
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
}

export interface ChatCapabilities {
  /** Can post under an arbitrary name and icon per message (Slack `chat:write.customize`). */
  customSender: boolean;
  /** Can add/remove emoji reactions on messages. */
  reactions: boolean;
  /** Can show a notice to a single user only. */
  ephemeral: boolean;
  /** Longest text one post may carry; the core splits longer ones. */
  maxTextLength: number;
}

/** Who a post appears to come from. */
export interface PostSender {
  name: string;
  iconUrl?: string;
  /** Emoji shortcode-free icon hint (adapters map it to their own), used when there is no icon URL. */
  iconEmoji?: string;
}

export interface ChatPost {
  /** Text in WhatsApp formatting (`*bold*`, `_italic_`, `~strike~`, ```mono```); the adapter converts. */
  text: string;
  sender?: PostSender;
  /** A quoted message shown above the text (the customer replied to it). */
  quote?: { author?: string; text: string };
  /**
   * A stable key for this post. Adapters attach it to the message (Slack: message metadata) so that
   * `findPosted` can tell, after a crash, whether the post already happened.
   */
  key: string;
}

export interface ThreadHeader {
  customerName?: string;
  /** E.164 with `+`, or a username when the customer has no number. */
  customerNumber?: string;
  /** The business line (display name of the WhatsApp number). */
  lineName: string;
  returning: boolean;
  /** Human text already rendered from the message catalogue. */
  text: string;
  key: string;
}

export type NoticeKind = 'info' | 'warning' | 'error';

export interface Notice {
  text: string;
  kind: NoticeKind;
  /** Show only to this user where the tool can (ephemeral); otherwise everyone in the thread sees it. */
  onlyTo?: string;
}

/** Callbacks the core hands to an adapter. Each returns once the event is durably accepted. */
export interface ChatHandlers {
  onAgentMessage(message: AgentMessage): Promise<void>;
  onAgentReaction(reaction: AgentReaction): Promise<void>;
  onAgentChange(change: AgentChange): Promise<void>;
}

export interface ChatAdapter {
  /** The adapter's name as used in configuration (`slack`, `teams`, `cliq`). */
  readonly name: string;
  readonly capabilities: ChatCapabilities;

  /** HTTP routes to mount on the bridge's server. Called once, after `start`. */
  routes(): HttpRoute[];
  /** Connect, authenticate, and begin delivering events to `handlers`. */
  start(handlers: ChatHandlers): Promise<void>;
  stop(): Promise<void>;

  /** Open a new thread for a conversation in `channel` with a header message. */
  openThread(channel: string, header: ThreadHeader): Promise<ThreadRef>;
  /** Post into a thread. */
  post(thread: ThreadRef, post: ChatPost): Promise<ChatMessageRef>;
  /**
   * After a crash, find a post (or thread root, when `thread` is undefined) made with `key`, so it is
   * not made twice. Adapters that cannot look back return undefined (the core then re-posts).
   */
  findPosted(channel: string, thread: ThreadRef | undefined, key: string): Promise<ChatMessageRef | undefined>;
  /** Show the WhatsApp delivery state of an agent's message on that message. */
  showStatus(message: ChatMessageRef, state: DeliveryState, previous?: DeliveryState): Promise<void>;
  /** Add or remove a Unicode emoji reaction on a message (customer reactions). */
  react(message: ChatMessageRef, emoji: string, remove: boolean): Promise<void>;
  /** A notice to agents in a thread. */
  notify(thread: ThreadRef, notice: Notice): Promise<void>;
}

/** Thrown by adapters for failures the core should retry later (rate limits, 5xx, network). */
export class RetryableChatError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RetryableChatError';
  }
}
