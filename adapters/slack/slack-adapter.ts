/**
 * The Slack side of the bridge: one WhatsApp conversation is one Slack thread.
 *
 * Inbound, Bolt's `HTTPReceiver` is mounted on the bridge's own HTTP server (never `app.start()`):
 * Bolt verifies Slack's signature (401 on failure), answers `url_verification` and `ssl_check`, and —
 * with `processBeforeResponse` — holds the HTTP answer until the core's handler has stored the event.
 * A handler that throws makes Bolt answer 500, so Slack delivers the event again.
 * Outbound, every Web API failure that is worth retrying becomes a `RetryableChatError`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, defaultBodyLimit, HTTPModuleFunctions, HTTPReceiver, isValidSlackRequest, type webApi } from '@slack/bolt';
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
import { readSharedFile } from '../../bot/chat-adapter.js';
import type { Logger } from '../../bot/logger.js';
import type { ChatFileRef, ChatMessageRef, DeliveryState, ThreadRef } from '../../bot/types.js';
import type { SlackConfig } from '../../config/types.js';
import { boltLogger } from './bolt-logger.js';
import { unicodeToSlackName } from './emoji.js';
import { callSlack, isSlackError } from './errors.js';
import { ADAPTER, interpretSlackEvent, userIdsToName, withUserNames, type SlackInterpretation, type SlackSelf } from './events.js';
import { slackQuote, whatsAppToSlack } from './format.js';
import { actionBlocks, SlackInteractions } from './interactions.js';
import { SLACK_EVENTS_PATH } from './manifest.js';
import { keepAliveFetch } from './keep-alive-fetch.js';
import { fileIdOfKey, SLACK_MAX_FILE_BYTES, SlackFiles } from './slack-files.js';
import { SlackUserDirectory } from './users.js';

export interface SlackAdapterOptions {
  config: SlackConfig;
  logger: Logger;
}

/** The message-metadata event type that carries a post's idempotency key (see `findPosted`). */
export const POST_METADATA_TYPE = 'puente_post';

/** The reaction that shows each WhatsApp delivery state on an agent's message. */
export const STATUS_REACTIONS: Record<DeliveryState, string> = {
  sent: 'ballot_box_with_check',
  delivered: 'white_check_mark',
  read: 'eyes',
  played: 'headphones',
  failed: 'x',
};

const NOTICE_PREFIX: Record<NoticeKind, string> = { info: 'ℹ️', warning: '⚠️', error: '🛑' };

/** findPosted reads at most this many pages (of PAGE_SIZE replies) of one thread: 2,000 replies. */
const FIND_POSTED_MAX_PAGES = 10;
const PAGE_SIZE = 200;

export class SlackAdapter implements ChatAdapter {
  readonly name = ADAPTER;
  readonly capabilities: ChatCapabilities = {
    customSender: true,
    reactions: true,
    ephemeral: true,
    // Slack truncates `text` beyond 40,000 characters; leave room for the quote and escaping.
    maxTextLength: 39_000,
    maxFileBytes: SLACK_MAX_FILE_BYTES,
    // Files are shared by the app itself: `username`/`icon` do not apply to files.completeUploadExternal.
    fileCustomSender: false,
  };

  private readonly logger: Logger;
  private readonly receiver: HTTPReceiver;
  private readonly app: App;
  private readonly users: SlackUserDirectory;
  private readonly files: SlackFiles;
  private handlers?: ChatHandlers;
  private readonly signingSecret: string;
  /** The bot's own ids, learnt from Bolt's context on the first event it dispatches. */
  private self: SlackSelf = {};

  constructor({ config, logger }: SlackAdapterOptions) {
    this.logger = logger;
    this.signingSecret = config.signingSecret;
    const bolt = boltLogger(logger);
    this.receiver = new HTTPReceiver({
      signingSecret: config.signingSecret,
      endpoints: [SLACK_EVENTS_PATH],
      // Bolt acks Events API requests before listeners run; holding the answer until the listener
      // returns means Slack only hears 200 once the core has durably accepted the event.
      processBeforeResponse: true,
      logger: bolt,
    });
    this.app = new App({
      receiver: this.receiver,
      token: config.botToken,
      logger: bolt,
      // Without this, Bolt calls auth.test inside its constructor and an early failure would be an
      // unhandled rejection; `start()` runs it instead (Bolt then caches botId and botUserId).
      deferInitialization: true,
      convoStore: false, // Bolt's conversation-state middleware: unused here
      clientOptions: {
        slackApiUrl: config.apiUrl,
        // The core's durable queue waits and retries; the client must not hold retries in memory.
        rejectRateLimitedCalls: true,
        retryConfig: { retries: 0 },
        timeout: 30_000,
        fetch: keepAliveFetch(),
      },
    });
    this.users = new SlackUserDirectory(this.client, this.logger);
    this.files = new SlackFiles(this.client, config.botToken, config.apiUrl, this.logger);
    for (const type of ['message', 'reaction_added', 'reaction_removed']) {
      this.app.event(type, async ({ body, context }) => this.dispatch(body, context));
    }
    // Slash commands, header buttons, the message shortcut and its modal (adapters/slack/interactions.ts).
    new SlackInteractions({ app: this.app, client: () => this.client, handlers: () => this.handlers, users: this.users, logger: this.logger }).register();
  }

  private get client(): webApi.WebClient {
    return this.app.client;
  }

  async start(handlers: ChatHandlers): Promise<void> {
    await callSlack('auth.test', () => this.app.init()); // fails here, loudly, on a bad token
    this.handlers = handlers;
  }

  async stop(): Promise<void> {
    // Events arriving while the bridge shuts down are answered 500, so Slack redelivers them later.
    this.handlers = undefined;
  }

  routes(): HttpRoute[] {
    return [{ method: 'POST', path: SLACK_EVENTS_PATH, handler: (req, res) => this.receive(req, res) }];
  }

  /**
   * Slack echoes every post and reaction of the bridge back as an event: one per customer message,
   * more per delivery status. Such an event, which the bridge ignores anyway, is answered here after
   * the same signature check Bolt makes (Bolt's own `isValidSlackRequest`), without running Bolt's
   * middleware chain for it — in `npm run bench` profiles that chain cost about a tenth of the
   * bridge's CPU. Everything else goes to Bolt's listener, which reuses the body read here
   * (`rawBody`), checks the signature itself (401 on failure) and always answers.
   */
  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await HTTPModuleFunctions.bufferIncomingMessage(req, defaultBodyLimit);
    } catch (error) {
      this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'slack: request body could not be read');
      // The rest of the body is not read: the connection is closed rather than drained.
      res.writeHead(HTTPModuleFunctions.isRawBodyError(error) && error.type === 'entity.too.large' ? 413 : 400, { connection: 'close' }).end();
      return;
    }
    const raw = (req as IncomingMessage & { rawBody: Buffer }).rawBody;
    if (this.isIgnoredEvent(req, raw)) {
      res.writeHead(200).end();
      return;
    }
    await this.receiver.requestListener(req, res);
  }

  private isIgnoredEvent(req: IncomingMessage, raw: Buffer): boolean {
    if (req.headers['content-type'] !== 'application/json') return false;
    const body = raw.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return false; // Bolt answers malformed bodies
    }
    if ((parsed as { type?: unknown } | null)?.type !== 'event_callback') return false;
    if (interpretSlackEvent(parsed, this.self).kind !== 'ignored') return false;
    const signature = req.headers['x-slack-signature'];
    const timestamp = Number(req.headers['x-slack-request-timestamp']);
    if (typeof signature !== 'string') return false;
    return isValidSlackRequest({
      signingSecret: this.signingSecret,
      body,
      headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
    });
  }

  /** Bolt listener for the event types the bridge relays. Throwing makes Bolt answer 500. */
  private async dispatch(body: unknown, context: { botId?: string; botUserId?: string }): Promise<void> {
    const handlers = this.handlers;
    if (!handlers) throw new Error('Slack adapter is not started');
    if (!this.self.botId && !this.self.botUserId) this.self = { botId: context.botId, botUserId: context.botUserId };
    let interpretation = interpretSlackEvent(body, { botId: context.botId, botUserId: context.botUserId });
    const userIds = userIdsToName(interpretation);
    if (userIds.length > 0) interpretation = withUserNames(interpretation, await this.users.names(userIds));
    await this.deliver(interpretation, handlers);
  }

  private async deliver(interpretation: SlackInterpretation, handlers: ChatHandlers): Promise<void> {
    switch (interpretation.kind) {
      case 'message':
        return handlers.onAgentMessage(interpretation.message);
      case 'change':
        return handlers.onAgentChange(interpretation.change);
      case 'reaction':
        return handlers.onAgentReaction(interpretation.reaction);
      case 'rejected':
        this.logger.warn({ reason: interpretation.reason }, 'slack: event rejected');
        return;
      default:
        this.logger.debug({ interpretation }, 'slack: event ignored');
    }
  }

  async openThread(channel: string, header: ThreadHeader): Promise<ThreadRef> {
    const posted = await callSlack('chat.postMessage', () =>
      this.client.chat.postMessage({
        channel,
        text: whatsAppToSlack(header.text),
        // The header's buttons stand in for slash commands, which Slack does not run inside threads.
        ...(header.actions?.length ? { blocks: actionBlocks(header.text, header.actions) } : {}),
        metadata: postMetadata(header.key),
        unfurl_links: false,
      }),
    );
    return { adapter: ADAPTER, channel, id: postedTs(posted) };
  }

  async post(thread: ThreadRef, post: ChatPost): Promise<ChatMessageRef> {
    const text = post.quote ? `${slackQuote(post.quote)}\n${whatsAppToSlack(post.text)}` : whatsAppToSlack(post.text);
    const posted = await callSlack('chat.postMessage', () =>
      this.client.chat.postMessage({
        channel: thread.channel,
        thread_ts: thread.id,
        text,
        metadata: postMetadata(post.key),
        unfurl_links: false,
        ...senderArguments(post.sender),
      }),
    );
    return { adapter: ADAPTER, channel: thread.channel, id: postedTs(posted), threadId: thread.id };
  }

  async findPosted(channel: string, thread: ThreadRef | undefined, key: string): Promise<ChatMessageRef | undefined> {
    const messages = thread ? this.threadReplies(channel, thread.id) : this.recentChannelMessages(channel);
    const fileId = fileIdOfKey(key);
    for await (const message of messages) {
      const metadata = message.metadata;
      const byMetadata = metadata?.event_type === POST_METADATA_TYPE && metadata.event_payload?.key === key;
      // A file share carries no metadata: it is recognised by the staged file's id.
      const byFile = fileId !== undefined && (message.files ?? []).some((file) => file.id === fileId);
      if ((byMetadata || byFile) && message.ts) return { adapter: ADAPTER, channel, id: message.ts, threadId: thread?.id };
    }
    return undefined;
  }

  /** Replies come oldest first, and a lost post is among the newest, so the thread is paged through. */
  private async *threadReplies(channel: string, threadTs: string): AsyncGenerator<SlackHistoryMessage> {
    let cursor: string | undefined;
    for (let page = 0; page < FIND_POSTED_MAX_PAGES; page++) {
      const result = await callSlack('conversations.replies', () =>
        this.client.conversations.replies({ channel, ts: threadTs, cursor, limit: PAGE_SIZE, include_all_metadata: true }),
      );
      yield* (result.messages ?? []) as SlackHistoryMessage[];
      cursor = result.response_metadata?.next_cursor || undefined;
      if (!cursor) return;
    }
    this.logger.warn({ channel, threadTs }, 'slack: findPosted gave up on a very long thread');
  }

  /** Thread roots are only looked for among the channel's latest messages: the crash was recent. */
  private async *recentChannelMessages(channel: string): AsyncGenerator<SlackHistoryMessage> {
    const result = await callSlack('conversations.history', () =>
      this.client.conversations.history({ channel, limit: PAGE_SIZE, include_all_metadata: true }),
    );
    yield* (result.messages ?? []) as SlackHistoryMessage[];
  }

  async showStatus(message: ChatMessageRef, state: DeliveryState, previous?: DeliveryState): Promise<void> {
    // Add first, then remove: the message is never left without a status.
    await this.setReaction(message, STATUS_REACTIONS[state], false);
    if (previous && previous !== state) await this.setReaction(message, STATUS_REACTIONS[previous], true);
  }

  async react(message: ChatMessageRef, emoji: string, remove: boolean): Promise<void> {
    const name = unicodeToSlackName(emoji);
    if (!name) throw new Error(`Slack has no reaction for the emoji ${JSON.stringify(emoji)}`);
    await this.setReaction(message, name, remove);
  }

  /** Adds or removes a reaction; doing what is already done is not an error (retries repeat calls). */
  private async setReaction(message: ChatMessageRef, name: string, remove: boolean): Promise<void> {
    const target = { channel: message.channel, timestamp: message.id, name };
    try {
      if (remove) await callSlack('reactions.remove', () => this.client.reactions.remove(target));
      else await callSlack('reactions.add', () => this.client.reactions.add(target));
    } catch (error) {
      if (!isSlackError(error, remove ? 'no_reaction' : 'already_reacted')) throw error;
    }
  }

  stageFile(file: LocalFile): Promise<StagedFile> {
    return this.files.stage(file);
  }

  async shareFile(thread: ThreadRef, file: StagedFile, post: Omit<ChatPost, 'key'>): Promise<ChatMessageRef | undefined> {
    const text = post.quote ? `${slackQuote(post.quote)}\n${whatsAppToSlack(post.text)}` : whatsAppToSlack(post.text);
    await this.files.share(thread, file, undefined, text);
    return undefined; // Slack shares files asynchronously: the answer does not name the message
  }

  openFile(file: ChatFileRef): Promise<FileDownload> {
    return this.files.open(file);
  }

  async notify(thread: ThreadRef, notice: Notice): Promise<void> {
    const text = `${NOTICE_PREFIX[notice.kind]} ${whatsAppToSlack(notice.text)}`;
    const where = { channel: thread.channel, thread_ts: thread.id, text };
    if (notice.onlyTo) {
      const onlyTo = notice.onlyTo;
      await callSlack('chat.postEphemeral', () => this.client.chat.postEphemeral({ ...where, user: onlyTo }));
    } else {
      await callSlack('chat.postMessage', () => this.client.chat.postMessage(where));
    }
  }

  async announce(channel: string, post: ChatPost): Promise<ChatMessageRef> {
    const posted = await callSlack('chat.postMessage', () =>
      this.client.chat.postMessage({ channel, text: whatsAppToSlack(post.text), metadata: postMetadata(post.key), unfurl_links: false }),
    );
    return { adapter: ADAPTER, channel, id: postedTs(posted) };
  }

  /** `files.list` answers newest first; the file is read whole, refusing more than `maxBytes`. */
  async latestSharedFile(channel: string, extensions: string[], maxBytes: number): Promise<SharedFile | undefined> {
    const listed = await callSlack('files.list', () => this.client.files.list({ channel, count: 100 }));
    const file = (listed.files ?? []).find((candidate) => extensions.some((extension) => candidate.name?.toLowerCase().endsWith(extension)));
    if (!file?.id || !file.name) return undefined;
    if (file.size !== undefined && file.size > maxBytes) throw new Error(`${file.name} is larger than ${maxBytes} bytes`);
    const download = await this.files.open({ id: file.id, name: file.name, size: file.size, mimeType: file.mimetype, source: file.url_private_download ?? file.url_private });
    return readSharedFile(file.name, download, maxBytes);
  }
}

/** The fields of a `conversations.history`/`replies` message that `findPosted` reads. */
interface SlackHistoryMessage {
  ts?: string;
  files?: { id?: string }[];
  metadata?: { event_type?: string; event_payload?: { key?: unknown } };
}

function postMetadata(key: string) {
  return { event_type: POST_METADATA_TYPE, event_payload: { key } };
}

function postedTs(result: { ts?: string }): string {
  if (!result.ts) throw new Error('Slack chat.postMessage answered ok without a ts');
  return result.ts;
}

/**
 * Name and icon for a custom sender (`chat:write.customize`). Slack lets `icon_emoji` override
 * `icon_url`, so the emoji is only sent when there is no picture.
 */
type SenderArguments = { username?: string } & ({ icon_url?: string; icon_emoji?: never } | { icon_emoji: string; icon_url?: never });

function senderArguments(sender: PostSender | undefined): SenderArguments {
  if (!sender) return {};
  if (sender.iconUrl) return { username: sender.name, icon_url: sender.iconUrl };
  const emojiName = sender.iconEmoji ? unicodeToSlackName(sender.iconEmoji) : undefined;
  return emojiName ? { username: sender.name, icon_emoji: `:${emojiName}:` } : { username: sender.name };
}
