/**
 * The one contract every chat tool (Slack, Teams, Cliq, …) implements. The core reads
 * `capabilities` instead of asking "is this Slack?"; adding a chat tool means one new folder under
 * `adapters/` that implements this interface, and nothing in `bot/` changes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type {
  Agent,
  AgentChange,
  AgentMessage,
  AgentReaction,
  ChatFileRef,
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
  /**
   * Largest file the tool takes, in bytes (0: no files). The core applies the stricter of this and
   * the bridge's own limits (bot/media-limits.ts) before any download or upload.
   */
  maxFileBytes: number;
  /** Whether a shared file can show a custom sender like `post` does; if not, the core names the customer in its comment. */
  fileCustomSender: boolean;
}

/** A verified file on local disk, ready to go into the chat tool. */
export interface LocalFile {
  path: string;
  /** Safe file name (bot/file-names.ts), ending in the extension of the detected type. */
  name: string;
  size: number;
  /** Detected from the bytes. */
  mimeType: string;
}

/**
 * A file uploaded to the chat tool but not shown anywhere yet. The core stores it before sharing, so
 * after a crash `findPosted(channel, thread, key)` tells whether the share happened.
 */
export interface StagedFile {
  id: string;
  key: string;
}

/** An agent's file, opened for download. `size` is the announced length when the tool gives one. */
export interface FileDownload {
  body: Readable;
  size?: number;
}

/** Who a post appears to come from. */
export interface PostSender {
  name: string;
  iconUrl?: string;
  /** Emoji shortcode-free icon hint (adapters map it to their own), used when there is no icon URL. */
  iconEmoji?: string;
  /** A second line under the name (the customer's number), for tools that show a name header in the post (Teams cards). */
  subtitle?: string;
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
  /**
   * Buttons for acting on this conversation (block, send a template, …). Chat tools that do not run
   * commands inside threads (Slack) offer them here instead; a press comes back as a `ChatCommand`
   * with `thread` set, checked like the typed command.
   */
  actions?: ThreadAction[];
}

/** One per-conversation action: when chosen, the core receives `/<command> <text>[ <what the user typed>]`. */
export interface ThreadAction {
  /** Stable id of the action (`block`, `template`), also used by adapters for their own ids. */
  id: string;
  label: string;
  command: string;
  text: string;
  style?: 'primary' | 'danger';
  /** Ask the user for the rest of the command first (a modal in Slack). */
  input?: { title: string; label: string; placeholder?: string; submit: string };
}

/**
 * A command given in the chat tool: a Slack slash command, a Teams or Cliq bot command, or a thread
 * action. Adapters deliver the raw text; the core parses it once, so every tool shares one grammar
 * and one permission check.
 */
export interface ChatCommand {
  /** The command's name, lower case, without `/`: `block`, `template`, … */
  name: string;
  /** Everything typed after the name, untouched. */
  text: string;
  user: Agent;
  adapter: string;
  channel: string;
  /** Set when the command came from inside a conversation's thread: it acts on that conversation. */
  thread?: ThreadRef;
}

/** What the core answers to a command. */
export interface CommandReply {
  /** In WhatsApp formatting, like every other text the core hands to adapters. */
  text: string;
  /** `private`: only the person who gave the command sees it (Slack: ephemeral). */
  visibility: 'private' | 'channel';
}

/** A file people shared in a channel (a do-not-contact CSV), as an adapter fetched it. */
export interface SharedFile {
  name: string;
  data: Buffer;
}

/**
 * Reads a download whole for `latestSharedFile`, refusing more than `maxBytes` as soon as it is
 * passed (the announced size may be missing or wrong).
 */
export async function readSharedFile(name: string, download: FileDownload, maxBytes: number): Promise<SharedFile> {
  const tooLarge = (): Error => new Error(`${name} is larger than ${maxBytes} bytes`);
  if (download.size !== undefined && download.size > maxBytes) {
    download.body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of download.body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      download.body.destroy();
      throw tooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  return { name, data: Buffer.concat(chunks) };
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
  /** Resolves with the answer for the person who gave the command (after any change is durable). */
  onCommand(command: ChatCommand): Promise<CommandReply>;
  /**
   * The actions a thread's conversation offers (a message shortcut shows them where the header's
   * buttons are out of sight), with a line of text to show above them; none for a thread Puente
   * does not know, with the text saying so.
   */
  onThreadMenu(thread: ThreadRef, user: Agent): Promise<{ text: string; actions: ThreadAction[] }>;
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
  /** Uploads a file without showing it (step one of two, so a crash between them cannot show it twice). */
  stageFile(file: LocalFile): Promise<StagedFile>;
  /**
   * Shows a staged file in a thread, with `post.text` (and quote) as its comment. Resolves with the
   * message when the tool says which one it is (Slack shares files asynchronously: undefined).
   */
  shareFile(thread: ThreadRef, file: StagedFile, post: Omit<ChatPost, 'key'>): Promise<ChatMessageRef | undefined>;
  /** Opens an agent's file for download; rejects with a MediaError when it cannot be fetched. */
  openFile(file: ChatFileRef): Promise<FileDownload>;
  /** A top-level message in a channel, outside any conversation (alerts to supervisors). */
  announce(channel: string, post: ChatPost): Promise<ChatMessageRef>;
  /**
   * The most recent file shared in `channel` whose name ends with one of `extensions`, downloaded;
   * undefined when there is none (or the tool cannot fetch files).
   */
  latestSharedFile?(channel: string, extensions: string[], maxBytes: number): Promise<SharedFile | undefined>;
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
