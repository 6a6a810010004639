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
  StagedFile,
  ThreadHeader,
} from '../../bot/chat-adapter.js';
import type { Logger } from '../../bot/logger.js';
import type { AgentMessage, ChatFileRef, ChatMessageRef, DeliveryState, ThreadRef } from '../../bot/types.js';
import type { CliqConfig } from '../../config/types.js';
import { CliqApiError, CliqClient } from './client.js';
import { CliqFiles } from './cliq-files.js';
import { ADAPTER, interpretCliqBody, type ThreadHint } from './events.js';
import { cliqText } from './format.js';
import { CliqTokens } from './oauth.js';
import { CliqPacer, type PacerOptions } from './pacer.js';
import { rateClassesOf, threadReplyFields } from './unconfirmed.js';
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

export class CliqAdapter implements ChatAdapter {
  readonly name = ADAPTER;
  readonly capabilities: ChatCapabilities;

  private readonly logger: Logger;
  private readonly config: CliqConfig;
  private readonly tokens: CliqTokens;
  private readonly client: CliqClient;
  private readonly files: CliqFiles;
  private handlers?: ChatHandlers;
  private readonly posted = new Set<string>();
  private readonly channels = new Set<string>();
  /** Channel chat id (`CT_…`) → channel unique name. */
  private readonly channelOfChat = new Map<string, string>();
  private readonly resolvedChannels = new Set<string>();
  /** Thread chat id → its parent message and the parent channel's chat id. */
  private readonly threads = new Map<string, { parentMessageId?: string; parentChatId?: string }>();
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
  private async threadDetails(threadChatId: string): Promise<{ parentMessageId?: string; parentChatId?: string }> {
    const cached = this.threads.get(threadChatId);
    if (cached) return cached;
    let response;
    try {
      response = await this.client.call<{ data?: Record<string, unknown> } & Record<string, unknown>>({
        method: 'GET',
        path: `/api/v3/threads/${encodeURIComponent(threadChatId)}`,
        rate: rateClassesOf('read'),
      });
    } catch (error) {
      // Not a thread Cliq will describe (deleted, or not visible to the service user): not ours.
      if (!(error instanceof CliqApiError)) throw error;
      this.logger.warn({ threadChatId, err: error.message }, 'cliq: could not look up a thread');
      return {};
    }
    const body = (response.data?.data ?? response.data ?? {}) as Record<string, unknown>;
    const details = { parentMessageId: idOf(body.thread_message_id), parentChatId: idOf(body.parent_chat_id) };
    this.threads.set(threadChatId, details);
    return details;
  }

  /** Which of the adapter's channels has this chat id (`GET /api/v2/channelsbyname/{name}` → `chat_id`). */
  private async channelOfChatId(chatId: string): Promise<string | undefined> {
    const known = this.channelOfChat.get(chatId);
    if (known) return known;
    for (const channel of this.channels) {
      if (this.resolvedChannels.has(channel)) continue;
      try {
        const response = await this.client.call<Record<string, unknown>>({
          method: 'GET',
          path: `/api/v2/channelsbyname/${encodeURIComponent(channel)}`,
          rate: rateClassesOf('read'),
        });
        const body = (response.data?.data ?? response.data ?? {}) as Record<string, unknown>;
        const id = idOf(body.chat_id);
        if (id) this.channelOfChat.set(id, channel);
        this.resolvedChannels.add(channel);
      } catch (error) {
        if (!(error instanceof CliqApiError)) throw error;
        this.logger.warn({ channel, err: error.message }, 'cliq: could not look up a channel');
        this.resolvedChannels.add(channel);
      }
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

  async openThread(channel: string, header: ThreadHeader): Promise<ThreadRef> {
    // The first line of the header heads the thread in the channel; the rest opens the thread.
    const [first = header.text, ...rest] = header.text.split('\n');
    let parent = this.pendingRoots.get(header.key);
    if (!parent) {
      parent = await this.postMessage(channel, { text: cliqText(first) }, 'post');
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
      { text: cliqText(post.text, post.quote), ...threadReplyFields(thread.id), ...senderFields(post.sender) },
      'reply',
    );
    if (!id) this.logger.warn({ key: post.key }, 'cliq: a post was answered without a message id');
    return { adapter: ADAPTER, channel: thread.channel, id: id ?? `unknown:${post.key}`, threadId: thread.id };
  }

  /** Cliq messages carry no metadata to find a post by: the core re-posts after a crash. */
  async findPosted(): Promise<ChatMessageRef | undefined> {
    return undefined;
  }

  /** Reactions (the only place Slack shows delivery) are not used on Cliq: failures come as notices. */
  async showStatus(_message: ChatMessageRef, _state: DeliveryState): Promise<void> {}

  async react(): Promise<void> {
    throw new Error('the Cliq adapter does not react (capabilities.reactions is false)');
  }

  async notify(thread: ThreadRef, notice: Notice): Promise<void> {
    // No ephemeral messages on Cliq channels: everyone in the thread sees notices.
    await this.postMessage(thread.channel, { text: cliqText(`${NOTICE_PREFIX[notice.kind]} ${notice.text}`), ...threadReplyFields(thread.id) }, 'reply');
  }

  async announce(channel: string, post: ChatPost): Promise<ChatMessageRef> {
    const id = await this.postMessage(channel, { text: cliqText(post.text), ...senderFields(post.sender) }, 'post');
    return { adapter: ADAPTER, channel, id: id ?? `unknown:${post.key}` };
  }

  stageFile(file: LocalFile): Promise<StagedFile> {
    return this.files.stage(file);
  }

  async shareFile(thread: ThreadRef, file: StagedFile, post: Omit<ChatPost, 'key'>): Promise<ChatMessageRef | undefined> {
    const id = await this.files.share(thread.channel, thread.id, file, cliqText(post.text, post.quote));
    if (!id) return undefined;
    this.remember(id);
    return { adapter: ADAPTER, channel: thread.channel, id, threadId: thread.id };
  }

  openFile(file: ChatFileRef): Promise<FileDownload> {
    return this.files.open(file);
  }
}

export function defaultStagingDir(dataDir: string): string {
  return join(dataDir, 'cliq-staged');
}

/** `bot: { name, image }`: the image must be a public HTTPS URL (reference §3.3). */
function senderFields(sender: PostSender | undefined): Record<string, unknown> {
  if (!sender) return {};
  const image = sender.iconUrl?.startsWith('https://') ? sender.iconUrl : undefined;
  return { bot: { name: sender.name, ...(image ? { image } : {}) } };
}

function idOf(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}
