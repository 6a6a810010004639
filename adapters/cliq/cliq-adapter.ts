/**
 * The Zoho Cliq side of the bridge: one WhatsApp conversation is one Cliq thread.
 *
 * Outbound, everything goes through the Cliq REST API (client.ts: OAuth refresh-token flow, pacing
 * under Cliq's per-user limits, failures mapped to `RetryableChatError`), posting as the bot
 * (`?bot_unique_name=`) with a per-message `bot: { name, image }` for customers' messages.
 * A thread is a channel message (the header) with a thread created from it; the thread is known to
 * the core by that parent message id (`ThreadRef.id`).
 *
 * Inbound, Cliq has no event subscription for channel messages: a bot's participation handler and
 * the slash commands' handlers, written in Deluge (README), forward to `POST /webhooks/cliq` with a
 * shared secret. The answer to a command goes back in the HTTP response, which the handler shows.
 *
 * Exactly once: every post ends with an invisible marker of its key, and `findPosted` reads the
 * chat back to find it (unconfirmed.ts U8). Delivery states are reactions on the agent's message
 * (U10), in the chat the agent wrote in; a notice for one agent is a direct message from the bot.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type {
  ChatAdapter,
  ChatCapabilities,
  ChatHandlers,
  ChatPost,
  FileDownload,
  HttpRoute,
  LocalFile,
  Notice,
  NoticeKind,
  PostSender,
  SharedFile,
  StagedFile,
  ThreadHeader,
} from '../../bot/chat-adapter.js';
import { readSharedFile, RetryableChatError } from '../../bot/chat-adapter.js';
import { MediaError, transferError } from '../../bot/media-errors.js';
import type { Logger } from '../../bot/logger.js';
import type { AgentMessage, ChatFileRef, ChatMessageRef, DeliveryState, ThreadRef } from '../../bot/types.js';
import type { CliqConfig } from '../../config/types.js';
import { CliqApiError, CliqClient } from './client.js';
import { CliqFiles } from './cliq-files.js';
import { CliqDirectory, idOf } from './directory.js';
import { ADAPTER, interpretCliqBody, parseFileLookup, type ThreadHint } from './events.js';
import { CLIQ_MAX_TEXT, cliqText } from './format.js';
import { CliqTokens } from './oauth.js';
import { CliqPacer, type PacerOptions } from './pacer.js';
import { headerButtons, postMarker, rateClassesOf, reactionPath, threadReplyFields } from './unconfirmed.js';
import { answer, CLIQ_WEBHOOK_PATH, readBody, secretMatches, tokenOf } from './webhook.js';

export interface CliqAdapterOptions {
  config: CliqConfig;
  logger: Logger;
  /** Where staged files wait to be posted (on the data volume). */
  stagingDir: string;
  /** Channels this adapter serves (numbers' channels), so inbound chat ids can be mapped to them. */
  channels?: readonly string[];
  pacer?: PacerOptions;
  now?: () => number;
}

const NOTICE_PREFIX: Record<NoticeKind, string> = { info: 'ℹ️', warning: '⚠️', error: '🛑' };
/** How many of its own message ids the adapter remembers, to drop their echoes. */
const REMEMBERED_POSTS = 5000;
/** How many agents' message ids the adapter remembers with their chat, to react on them without a lookup. */
const REMEMBERED_CHATS = 5000;

/** The reaction that shows each WhatsApp delivery state on an agent's message (as on Slack). */
export const STATUS_EMOJI: Record<DeliveryState, string> = { sent: '☑️', delivered: '✅', read: '👀', played: '🎧', failed: '❌' };

export class CliqAdapter implements ChatAdapter {
  readonly name = ADAPTER;
  readonly capabilities: ChatCapabilities;

  private readonly logger: Logger;
  private readonly config: CliqConfig;
  private readonly tokens: CliqTokens;
  private readonly client: CliqClient;
  private readonly files: CliqFiles;
  private readonly directory: CliqDirectory;
  private handlers?: ChatHandlers;
  private readonly posted = new Set<string>();
  private readonly channels = new Set<string>();
  /** Channel chat id (`CT_…`) → channel unique name. */
  private readonly channelOfChat = new Map<string, string>();
  private readonly resolvedChannels = new Set<string>();
  /** Agent message id → the chat (thread) it was written in, from the handler's payload. */
  private readonly messageChats = new Map<string, string>();
  /** Thread roots posted whose thread is not created yet (so a retried openThread posts no second root). */
  private readonly pendingRoots = new Map<string, string>();

  constructor(options: CliqAdapterOptions) {
    this.config = options.config;
    this.logger = options.logger;
    this.capabilities = {
      customSender: true,
      reactions: false,
      ephemeral: false,
      // Cliq's cap is 5,000 characters; leave room for a quote.
      maxTextLength: 4_500,
      maxFileBytes: options.config.maxFileBytes,
      fileCustomSender: false,
    };
    this.tokens = new CliqTokens({ ...options.config, now: options.now });
    this.client = new CliqClient(options.config.apiUrl, this.tokens, new CliqPacer({ now: options.now, ...options.pacer }));
    this.files = new CliqFiles(this.client, options.stagingDir, options.config.botUniqueName);
    this.directory = new CliqDirectory(this.client, options.logger);
    for (const channel of options.channels ?? []) this.channels.add(channel);
  }

  async start(handlers: ChatHandlers): Promise<void> {
    await this.tokens.get(); // fails here, loudly, on bad OAuth credentials
    this.handlers = handlers;
  }

  async stop(): Promise<void> {
    this.handlers = undefined;
  }

  routes(): HttpRoute[] {
    return [{ method: 'POST', path: CLIQ_WEBHOOK_PATH, handler: (req, res) => this.receive(req, res) }];
  }

  // -------------------------------------------------------------------------------------------
  // Inbound

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!secretMatches(tokenOf(req), this.config.webhookSecret)) {
      req.resume();
      this.logger.warn({ ip: req.socket.remoteAddress }, 'cliq: webhook call without the right token refused');
      return answer(res, 401, { error: 'unauthorized' });
    }
    const body = await readBody(req);
    if (body === undefined) return answer(res, 413, { error: 'too large' });
    const handlers = this.handlers;
    if (!handlers) return answer(res, 503, { error: 'not started' });
    const interpretation = interpretCliqBody(body, { ignoreUserIds: new Set(this.config.ignoreUserIds), postedByUs: (id) => this.posted.has(id) });
    try {
      switch (interpretation.kind) {
        case 'message': {
          const thread = await this.resolveThread(interpretation.thread);
          if (!thread) {
            this.logger.debug({ chat: interpretation.chatId }, 'cliq: message outside a known thread ignored');
            return answer(res, 200, { ok: true });
          }
          this.rememberChat(interpretation.messageId, interpretation.chatId);
          if (interpretation.thread.threadChatId) this.directory.learnThread(interpretation.thread.threadChatId, thread.id);
          const message: AgentMessage = {
            key: `cliq:${interpretation.chatId}:${interpretation.messageId}`,
            ref: { adapter: ADAPTER, channel: thread.channel, id: interpretation.messageId, threadId: thread.id },
            thread,
            agent: interpretation.agent,
            text: interpretation.text,
            ...(interpretation.files.length ? { files: interpretation.files } : {}),
            timestamp: interpretation.timestamp,
          };
          await handlers.onAgentMessage(message);
          return answer(res, 200, { ok: true });
        }
        case 'change': {
          const thread = await this.resolveThread(interpretation.thread);
          if (thread) {
            const target = { adapter: ADAPTER, channel: thread.channel, id: interpretation.messageId, threadId: thread.id };
            await handlers.onAgentChange({ kind: interpretation.change, target, thread, agent: interpretation.agent });
          }
          return answer(res, 200, { ok: true });
        }
        case 'command': {
          const thread = await this.resolveThread(interpretation.thread).catch(() => undefined);
          const channel = thread?.channel ?? interpretation.thread.channel ?? (interpretation.chatId ? await this.channelOfChatId(interpretation.chatId) : undefined) ?? interpretation.chatId ?? '';
          const reply = await handlers.onCommand({
            name: interpretation.name,
            text: interpretation.text,
            user: interpretation.agent,
            adapter: ADAPTER,
            channel,
            ...(thread ? { thread } : {}),
          });
          return answer(res, 200, { text: cliqText(reply.text), visibility: reply.visibility });
        }
        case 'action': {
          // A header button: it sits on the thread's root, whose id is the thread's id.
          const channel = interpretation.channel ?? (interpretation.chatId ? await this.channelOfChatId(interpretation.chatId) : undefined) ?? interpretation.chatId ?? '';
          const thread: ThreadRef = { adapter: ADAPTER, channel, id: interpretation.messageId };
          const menu = await handlers.onThreadMenu(thread, interpretation.agent);
          const action = menu.actions.find((candidate) => candidate.id === interpretation.key && !candidate.input);
          if (!action) return answer(res, 200, { text: cliqText(menu.text) });
          const reply = await handlers.onCommand({ name: action.command, text: action.text, user: interpretation.agent, adapter: ADAPTER, channel, thread });
          return answer(res, 200, { text: cliqText(reply.text), visibility: reply.visibility });
        }
        case 'rejected':
          this.logger.warn({ reason: interpretation.reason }, 'cliq: webhook body rejected');
          return answer(res, 400, { error: interpretation.reason });
        default:
          this.logger.debug({ reason: interpretation.reason }, 'cliq: webhook body ignored');
          return answer(res, 200, { ok: true });
      }
    } catch (error) {
      this.logger.error({ err: error }, 'cliq: webhook handling failed');
      return answer(res, 500, { error: 'failed' });
    }
  }

  /** The core's thread for a handler's thread hint: channel unique name + parent message id. */
  private async resolveThread(hint: ThreadHint): Promise<ThreadRef | undefined> {
    let { parentMessageId, channel } = hint;
    let parentChatId: string | undefined;
    if ((!parentMessageId || !channel) && hint.threadChatId) {
      const details = await this.threadDetails(hint.threadChatId);
      parentMessageId ??= details.parentMessageId;
      parentChatId = details.parentChatId;
    }
    if (!channel && parentChatId) channel = await this.channelOfChatId(parentChatId);
    if (!parentMessageId || !channel) return undefined;
    return { adapter: ADAPTER, channel, id: parentMessageId };
  }

  /** `GET /api/v3/threads/{THREAD_CHAT_ID}` (documented), cached: a thread's parent never changes. */
  private threadDetails(threadChatId: string): Promise<{ parentMessageId?: string; parentChatId?: string }> {
    return this.directory.threadDetails(threadChatId);
  }

  /** Which of the adapter's channels has this chat id (`GET /api/v2/channelsbyname/{name}` → `chat_id`). */
  private async channelOfChatId(chatId: string): Promise<string | undefined> {
    const known = this.channelOfChat.get(chatId);
    if (known) return known;
    for (const channel of this.channels) {
      if (this.resolvedChannels.has(channel)) continue;
      const id = await this.directory.chatIdOfChannel(channel);
      if (id) this.channelOfChat.set(id, channel);
      this.resolvedChannels.add(channel);
      if (this.channelOfChat.has(chatId)) break;
    }
    return this.channelOfChat.get(chatId);
  }

  // -------------------------------------------------------------------------------------------
  // Outbound

  /** `POST /api/v2/channelsbyname/{channel}/message?bot_unique_name=…` with `sync_message`: answers the message id. */
  private async postMessage(channel: string, body: Record<string, unknown>, operation: 'post' | 'reply' | 'open-thread'): Promise<string | undefined> {
    this.channels.add(channel);
    const response = await this.client.call<Record<string, unknown>>({
      method: 'POST',
      path: `/api/v2/channelsbyname/${encodeURIComponent(channel)}/message`,
      params: { bot_unique_name: this.config.botUniqueName },
      data: { ...body, sync_message: true },
      rate: rateClassesOf(operation),
    });
    const data = (response.data ?? {}) as Record<string, unknown>;
    const id = idOf(data.message_id) ?? idOf(data.id) ?? idOf((data.data as Record<string, unknown> | undefined)?.message_id);
    if (id) this.remember(id);
    return id;
  }

  private remember(id: string): void {
    this.posted.add(id);
    if (this.posted.size > REMEMBERED_POSTS) this.posted.delete(this.posted.values().next().value!);
  }

  private rememberChat(messageId: string, chatId: string): void {
    this.messageChats.set(messageId, chatId);
    if (this.messageChats.size > REMEMBERED_CHATS) this.messageChats.delete(this.messageChats.keys().next().value!);
  }

  async openThread(channel: string, header: ThreadHeader): Promise<ThreadRef> {
    // The first line of the header heads the thread in the channel; the rest opens the thread.
    const [first = header.text, ...rest] = header.text.split('\n');
    let parent = this.pendingRoots.get(header.key);
    if (!parent) {
      // Buttons only for actions that need nothing typed: Cliq has no modal to ask for the rest.
      const buttons = headerButtons((header.actions ?? []).filter((action) => !action.input));
      parent = await this.postMessage(channel, { text: marked(cliqText(first), header.key), ...(buttons.length ? { buttons } : {}) }, 'post');
      if (!parent) throw new Error('Cliq answered a sync_message post without a message id');
      this.pendingRoots.set(header.key, parent);
    }
    const title = [header.customerName, header.customerNumber ? `(${header.customerNumber})` : '', '·', header.lineName].filter(Boolean).join(' ');
    await this.postMessage(
      channel,
      { text: cliqText(rest.join('\n') || first), thread_message_id: parent, thread_title: title.slice(0, 100), post_in_parent: false },
      'open-thread',
    );
    this.pendingRoots.delete(header.key);
    return { adapter: ADAPTER, channel, id: parent };
  }

  async post(thread: ThreadRef, post: ChatPost): Promise<ChatMessageRef> {
    const id = await this.postMessage(
      thread.channel,
      { text: marked(cliqText(post.text, post.quote), post.key), ...threadReplyFields(thread.id), ...senderFields(post.sender) },
      'reply',
    );
    if (!id) this.logger.warn({ key: post.key }, 'cliq: a post was answered without a message id');
    return { adapter: ADAPTER, channel: thread.channel, id: id ?? `unknown:${post.key}`, threadId: thread.id };
  }

  /**
   * Every post ends with an invisible marker of its key (unconfirmed.ts U8): after a crash, the
   * thread's (or, for a thread root, the channel's) newest messages are read back and searched for it.
   */
  async findPosted(channel: string, thread: ThreadRef | undefined, key: string): Promise<ChatMessageRef | undefined> {
    const chatId = thread ? await this.directory.threadChatOf(channel, thread.id) : await this.directory.chatIdOfChannel(channel);
    if (!chatId) {
      this.logger.warn({ channel, thread: thread?.id, key }, 'cliq: cannot look back in this chat; the post may be repeated');
      return undefined;
    }
    const marker = postMarker(key);
    const found = (await this.directory.messages(chatId)).find((message) => message.text.includes(marker));
    if (!found) return undefined;
    this.remember(found.id);
    return { adapter: ADAPTER, channel, id: found.id, ...(thread ? { threadId: thread.id } : {}) };
  }

  /** A reaction on the agent's message, moving forward only: the new state is added, then the old one removed. */
  async showStatus(message: ChatMessageRef, state: DeliveryState, previous?: DeliveryState): Promise<void> {
    const chatId = await this.chatOfMessage(message);
    if (!chatId) {
      this.logger.warn({ message: message.id, state }, 'cliq: delivery state not shown (the message\'s chat is unknown)');
      return;
    }
    await this.setReaction(chatId, message.id, STATUS_EMOJI[state], false);
    if (previous && previous !== state && STATUS_EMOJI[previous]) await this.setReaction(chatId, message.id, STATUS_EMOJI[previous], true);
  }

  /** The chat an agent's message lives in: known from its event, else the thread it belongs to. */
  private async chatOfMessage(message: ChatMessageRef): Promise<string | undefined> {
    const known = this.messageChats.get(message.id);
    if (known) return known;
    return message.threadId ? this.directory.threadChatOf(message.channel, message.threadId) : this.directory.chatIdOfChannel(message.channel);
  }

  /** Reactions are a courtesy: Cliq refusing one (deleted message, missing scope) is logged, not retried. */
  private async setReaction(chatId: string, messageId: string, emoji: string, remove: boolean): Promise<void> {
    try {
      await this.client.call({ method: remove ? 'DELETE' : 'POST', path: reactionPath(chatId, messageId), data: { emoji_code: emoji }, rate: rateClassesOf('react') });
    } catch (error) {
      if (!(error instanceof CliqApiError)) throw error;
      this.logger[remove ? 'debug' : 'warn']({ messageId, emoji, err: error.message }, `cliq: reaction not ${remove ? 'removed' : 'added'}`);
    }
  }

  /** Customer reactions stay posts (capabilities.reactions is false) until Cliq's reaction API is confirmed. */
  async react(): Promise<void> {
    throw new Error('the Cliq adapter does not react (capabilities.reactions is false)');
  }

  async notify(thread: ThreadRef, notice: Notice): Promise<void> {
    const text = cliqText(`${NOTICE_PREFIX[notice.kind]} ${notice.text}`);
    // Cliq has no ephemeral channel messages: a notice for one agent is a direct message from the bot.
    if (notice.onlyTo && (await this.sendPrivately(notice.onlyTo, text))) return;
    await this.postMessage(thread.channel, { text, ...threadReplyFields(thread.id) }, 'reply');
  }

  /**
   * `POST /api/v3/bots/{BOT_UNIQUE_NAME}/messages` with `user_ids` (documented): the notice lands
   * in the agent's chat with the bot. False when Cliq refuses it, so the notice goes to the thread instead.
   */
  private async sendPrivately(userId: string, text: string): Promise<boolean> {
    try {
      await this.client.call({
        method: 'POST',
        path: `/api/v3/bots/${encodeURIComponent(this.config.botUniqueName)}/messages`,
        data: { text, user_ids: userId },
        rate: rateClassesOf('post'),
      });
      return true;
    } catch (error) {
      if (!(error instanceof CliqApiError)) throw error;
      this.logger.warn({ userId, err: error.message }, 'cliq: private notice refused; posting it in the thread');
      return false;
    }
  }

  async announce(channel: string, post: ChatPost): Promise<ChatMessageRef> {
    const id = await this.postMessage(channel, { text: marked(cliqText(post.text), post.key), ...senderFields(post.sender) }, 'post');
    return { adapter: ADAPTER, channel, id: id ?? `unknown:${post.key}` };
  }

  /** The newest file in the channel's latest messages whose name fits, read whole (at most `maxBytes`). */
  async latestSharedFile(channel: string, extensions: string[], maxBytes: number): Promise<SharedFile | undefined> {
    const chatId = await this.directory.chatIdOfChannel(channel);
    if (!chatId) return undefined;
    const wanted = extensions.map((extension) => extension.toLowerCase());
    const file = (await this.directory.messages(chatId)).map((message) => message.file).find((candidate) => candidate && wanted.some((extension) => candidate.name.toLowerCase().endsWith(extension)));
    if (!file) return undefined;
    if (file.size !== undefined && file.size > maxBytes) throw new Error(`${file.name} is larger than ${maxBytes} bytes`);
    const download = await this.files.open({ id: file.id, name: file.name });
    return readSharedFile(file.name, download, maxBytes);
  }

  stageFile(file: LocalFile): Promise<StagedFile> {
    return this.files.stage(file);
  }

  async shareFile(thread: ThreadRef, file: StagedFile, post: Omit<ChatPost, 'key'>): Promise<ChatMessageRef | undefined> {
    const id = await this.files.share(thread.channel, thread.id, file, marked(cliqText(post.text, post.quote), file.key));
    if (!id) return undefined;
    this.remember(id);
    return { adapter: ADAPTER, channel: thread.channel, id, threadId: thread.id };
  }

  async openFile(file: ChatFileRef): Promise<FileDownload> {
    const lookup = parseFileLookup(file.source);
    if (!lookup) return this.files.open(file);
    // Named only (the handler gave no id): the message, read back from its chat, names the file's id.
    let messages;
    try {
      messages = await this.directory.messages(lookup.chatId);
    } catch (error) {
      if (error instanceof RetryableChatError) throw transferError(error.message);
      throw error;
    }
    const own = messages.find((message) => message.id === lookup.messageId && message.file?.name === file.name) ?? messages.find((message) => message.id === lookup.messageId && message.file);
    const found = own?.file ?? messages.find((message) => message.file?.name === file.name)?.file;
    if (!found) throw new MediaError({ reason: 'gone' });
    return this.files.open({ ...file, id: found.id, ...(found.size !== undefined ? { size: found.size } : {}) });
  }
}

export function defaultStagingDir(dataDir: string): string {
  return join(dataDir, 'cliq-staged');
}

/** Text with the invisible marker of its key at the end, still within Cliq's 5,000 characters. */
export function marked(text: string, key: string): string {
  const marker = postMarker(key);
  const room = CLIQ_MAX_TEXT - marker.length;
  return (text.length > room ? `${text.slice(0, room - 1)}…` : text) + marker;
}

/** `bot: { name, image }`: the image must be a public HTTPS URL (reference §3.3). */
function senderFields(sender: PostSender | undefined): Record<string, unknown> {
  if (!sender) return {};
  const image = sender.iconUrl?.startsWith('https://') ? sender.iconUrl : undefined;
  return { bot: { name: sender.name, ...(image ? { image } : {}) } };
}

