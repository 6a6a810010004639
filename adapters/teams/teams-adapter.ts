/**
 * The Microsoft Teams side of the bridge: one WhatsApp conversation is one channel thread (a new
 * channel conversation started by the bot, teams.md §2).
 *
 * Inbound, `POST /api/messages` is mounted on the bridge's own HTTP server: the Agents SDK's JWT
 * validation runs first (401 for an unsigned or wrongly signed request), then the activity is
 * interpreted (adapters/teams/activity.ts) and handed to the core; the HTTP answer waits until the
 * core has accepted it. Outbound, Bot Connector REST calls (adapters/teams/connector.ts) turn
 * throttling and transient failures into `RetryableChatError`.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { say, type Language } from '../../bot/catalogue.js';
import {
  RetryableChatError,
  type ChatAdapter,
  type ChatCapabilities,
  type ChatHandlers,
  type ChatPost,
  type FileDownload,
  type HttpRoute,
  type LocalFile,
  type Notice,
  type NoticeKind,
  type StagedFile,
  type ThreadHeader,
} from '../../bot/chat-adapter.js';
import type { Logger } from '../../bot/logger.js';
import { MediaError } from '../../bot/media-errors.js';
import type { ChatFileRef, ChatMessageRef, DeliveryState, ThreadRef } from '../../bot/types.js';
import type { NumberConfig, TeamsConfig } from '../../config/types.js';
import { ADAPTER, interpretTeamsBody, type ReplyTarget, type TeamsInterpretation } from './activity.js';
import { jwtCheck, msalTokenSource, type JwtCheck } from './auth.js';
import { cardActivity, headerCard, postCard } from './cards.js';
import { BotConnector, TeamsApiError, type ConnectorActivity, type TokenSource } from './connector.js';
import { whatsAppToTeams } from './format.js';

export const TEAMS_MESSAGES_PATH = '/api/messages';

/**
 * Images are shown inline (a `data:` URL in the card's Image), because bots cannot upload files to
 * channels (that needs SharePoint through Microsoft Graph, teams.md §5). Teams' bot message limit is
 * about 100 KB of text but excludes base64 images; Puente keeps inline images to 1 MiB [design].
 */
export const TEAMS_INLINE_IMAGE_MAX_BYTES = 1024 * 1024;
/** What the adapter takes in either direction (agents' pasted images are downloaded up to this). */
export const TEAMS_MAX_FILE_BYTES = 4 * 1024 * 1024;
const MAX_BODY_BYTES = 1024 * 1024;

const NOTICE_PREFIX: Record<NoticeKind, string> = { info: 'ℹ️', warning: '⚠️', error: '🛑' };
const STATUS_LABEL: Record<DeliveryState, 'status.sent' | 'status.delivered' | 'status.read' | 'status.played' | 'status.failed'> = {
  sent: 'status.sent',
  delivered: 'status.delivered',
  read: 'status.read',
  played: 'status.played',
  failed: 'status.failed',
};

export interface TeamsAdapterOptions {
  config: TeamsConfig;
  /** The numbers whose threads open in Teams: the language of each channel's markers. */
  numbers: NumberConfig[];
  logger: Logger;
  /** The bot's Bot Connector token; default: the Agents SDK's MSAL provider. */
  tokenSource?: TokenSource;
}

export class TeamsAdapter implements ChatAdapter {
  readonly name = ADAPTER;
  readonly capabilities: ChatCapabilities = {
    // A bot's name and icon are fixed (Azure Bot resource): the customer is named in a card header.
    customSender: false,
    // Bots cannot react to messages in Teams; statuses are markers, customer reactions are posts.
    reactions: false,
    ephemeral: false,
    // The bot message limit is ~100 KB of UTF-16 text with a recommended 80 KB ceiling (teams.md §6).
    maxTextLength: 20_000,
    maxFileBytes: TEAMS_MAX_FILE_BYTES,
    fileCustomSender: true,
  };

  private readonly logger: Logger;
  private readonly connector: BotConnector;
  private readonly checkJwt: JwtCheck;
  private readonly serviceUrl: string;
  private readonly languages = new Map<string, Language>();
  /** Delivery-status marker posted for each agent message (by message id), updated in place. */
  private readonly markers = new Map<string, string>();
  /** Staged images (see TEAMS_INLINE_IMAGE_MAX_BYTES): kept in memory until shared. */
  private readonly staged = new Map<string, { dataUrl: string; name: string }>();
  private handlers?: ChatHandlers;

  constructor({ config, numbers, logger, tokenSource }: TeamsAdapterOptions) {
    this.logger = logger;
    this.serviceUrl = config.serviceUrl;
    this.connector = new BotConnector(tokenSource ?? msalTokenSource(config), config.appId, config.tenantId);
    this.checkJwt = jwtCheck(config);
    for (const number of numbers) if (number.adapter === ADAPTER) this.languages.set(number.channel, number.language);
  }

  async start(handlers: ChatHandlers): Promise<void> {
    this.handlers = handlers;
  }

  async stop(): Promise<void> {
    this.handlers = undefined;
  }

  routes(): HttpRoute[] {
    return [{ method: 'POST', path: TEAMS_MESSAGES_PATH, handler: (req, res) => this.receive(req, res) }];
  }

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const auth = await this.checkJwt(req);
    if (!auth.ok) {
      req.resume();
      this.logger.warn({ reason: auth.reason }, 'teams: request refused');
      return answer(res, auth.status, { error: 'unauthorized' });
    }
    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === undefined) return answer(res, 413, { error: 'too large' });
    const handlers = this.handlers;
    if (!handlers) return answer(res, 503, { error: 'starting' });
    const interpretation = interpretTeamsBody(body);
    await this.deliver(interpretation, handlers);
    answer(res, interpretation.kind === 'rejected' ? 400 : 200, {});
  }

  private async deliver(interpretation: TeamsInterpretation, handlers: ChatHandlers): Promise<void> {
    switch (interpretation.kind) {
      case 'message':
        return handlers.onAgentMessage(interpretation.message);
      case 'change':
        return handlers.onAgentChange(interpretation.change);
      case 'reaction':
        for (const reaction of interpretation.reactions) await handlers.onAgentReaction(reaction);
        return;
      case 'command': {
        const reply = await handlers.onCommand(interpretation.command);
        // Teams has no ephemeral messages in channels: the answer goes to the thread it was asked in.
        await this.answerCommand(interpretation.replyTo, reply.text);
        return;
      }
      case 'rejected':
        this.logger.warn({ reason: interpretation.reason }, 'teams: activity rejected');
        return;
      default:
        this.logger.debug({ reason: interpretation.reason }, 'teams: activity ignored');
    }
  }

  private async answerCommand(target: ReplyTarget, text: string): Promise<void> {
    try {
      // Always the configured Bot Connector: a URL taken from a request never receives the bot's token.
      await this.connector.send(this.serviceUrl, target.conversationId, markdown(text));
    } catch (error) {
      // The command itself is done and durable; a lost answer is logged, not redone.
      this.logger.error({ err: error, conversation: target.conversationId }, 'teams: could not post a command answer');
    }
  }

  async openThread(channel: string, header: ThreadHeader): Promise<ThreadRef> {
    const { rootId } = await this.connector.createChannelThread(this.serviceUrl, channel, cardActivity(headerCard(header), header.text));
    return { adapter: ADAPTER, channel, id: rootId };
  }

  async post(thread: ThreadRef, post: ChatPost): Promise<ChatMessageRef> {
    const activity = post.sender ? cardActivity(postCard(post.text, post.sender, post.quote), `${post.sender.name}: ${post.text}`) : markdown(withQuote(post));
    const id = await this.connector.send(this.serviceUrl, threadConversation(thread.channel, thread.id), activity);
    return { adapter: ADAPTER, channel: thread.channel, id: id ?? unnamed(post.key), threadId: thread.id };
  }

  /** Bots cannot read channel history without Microsoft Graph: after a crash the core re-posts. */
  async findPosted(_channel: string, _thread: ThreadRef | undefined, _key: string): Promise<ChatMessageRef | undefined> {
    return undefined;
  }

  /**
   * Bots cannot react to or edit an agent's message, so the status is a marker reply under it, posted
   * at the first status and updated in place afterwards (one marker per agent message). When Teams
   * answers without an id, or after a restart, a later status posts a new marker.
   */
  async showStatus(message: ChatMessageRef, state: DeliveryState, _previous?: DeliveryState): Promise<void> {
    const conversation = threadConversation(message.channel, message.threadId ?? message.id);
    const activity = markdown(say(this.languageOf(message.channel), STATUS_LABEL[state]));
    const marker = this.markers.get(message.id);
    if (marker) {
      try {
        await this.connector.update(this.serviceUrl, conversation, marker, activity);
        return;
      } catch (error) {
        if (!(error instanceof TeamsApiError && error.status === 404)) throw error;
      }
    }
    const id = await this.connector.send(this.serviceUrl, conversation, activity);
    if (id) this.markers.set(message.id, id);
  }

  async react(_message: ChatMessageRef, _emoji: string, _remove: boolean): Promise<void> {
    throw new Error('Teams bots cannot add reactions (capabilities.reactions is false)');
  }

  async notify(thread: ThreadRef, notice: Notice): Promise<void> {
    await this.connector.send(this.serviceUrl, threadConversation(thread.channel, thread.id), markdown(`${NOTICE_PREFIX[notice.kind]} ${notice.text}`));
  }

  async stageFile(file: LocalFile): Promise<StagedFile> {
    if (!file.mimeType.startsWith('image/')) {
      throw new MediaError({ reason: 'type', mimeType: file.mimeType }); // Teams bots can show only images in channels
    }
    if (file.size > TEAMS_INLINE_IMAGE_MAX_BYTES) throw new MediaError({ reason: 'too-large', size: file.size, limit: TEAMS_INLINE_IMAGE_MAX_BYTES });
    const bytes = await readFile(file.path);
    const id = randomUUID();
    this.staged.set(id, { dataUrl: `data:${file.mimeType};base64,${bytes.toString('base64')}`, name: file.name });
    return { id, key: `teams-file:${id}` };
  }

  async shareFile(thread: ThreadRef, file: StagedFile, post: Omit<ChatPost, 'key'>): Promise<ChatMessageRef | undefined> {
    const image = this.staged.get(file.id);
    // Staged images live in memory: after a restart the file must be fetched again.
    if (!image) throw new MediaError({ reason: 'gone' });
    const content = postCard(post.text, post.sender, post.quote);
    (content.body as unknown[]).push({ type: 'Image', url: image.dataUrl, altText: image.name, size: 'Large' });
    const id = await this.connector.send(this.serviceUrl, threadConversation(thread.channel, thread.id), cardActivity(content, post.text || image.name));
    this.staged.delete(file.id);
    return id ? { adapter: ADAPTER, channel: thread.channel, id, threadId: thread.id } : undefined;
  }

  /** An agent's pasted image: `contentUrl` on the Bot Connector, fetched with the bot's token. */
  async openFile(file: ChatFileRef): Promise<FileDownload> {
    if (!file.source) throw new MediaError({ reason: 'gone' });
    if (!this.isBotConnectorUrl(file.source)) throw new MediaError({ reason: 'refused', detail: 'not a Bot Connector attachment URL' });
    try {
      const response = await this.connector.download(file.source);
      if (!response.body) throw new MediaError({ reason: 'gone' });
      const length = Number(response.headers.get('content-length'));
      return { body: Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), ...(Number.isFinite(length) && length > 0 ? { size: length } : {}) };
    } catch (error) {
      if (error instanceof MediaError) throw error;
      if (error instanceof RetryableChatError) throw new MediaError({ reason: 'transfer', detail: error.message }, { cause: error });
      if (error instanceof TeamsApiError && error.status === 404) throw new MediaError({ reason: 'gone' }, { cause: error });
      throw new MediaError({ reason: 'refused', detail: (error as Error).message }, { cause: error });
    }
  }

  async announce(channel: string, post: ChatPost): Promise<ChatMessageRef> {
    const { rootId } = await this.connector.createChannelThread(this.serviceUrl, channel, markdown(post.text));
    return { adapter: ADAPTER, channel, id: rootId };
  }

  /** The bot's token only goes to the Bot Connector (the configured host, or Microsoft's). */
  private isBotConnectorUrl(source: string): boolean {
    try {
      const url = new URL(source);
      if (url.host === new URL(this.serviceUrl).host) return true;
      return url.protocol === 'https:' && (url.hostname.endsWith('.trafficmanager.net') || url.hostname.endsWith('.botframework.com'));
    } catch {
      return false;
    }
  }

  private languageOf(channel: string): Language {
    return this.languages.get(channel) ?? 'en';
  }
}

/** A thread in a channel, as the Bot Connector addresses it (teams.md §2.3). */
export function threadConversation(channel: string, rootId: string): string {
  return `${channel};messageid=${rootId}`;
}

function markdown(text: string): ConnectorActivity {
  return { type: 'message', textFormat: 'markdown', text: whatsAppToTeams(text) };
}

function withQuote(post: ChatPost): string {
  if (!post.quote) return post.text;
  const quoted = post.quote.text.split('\n').map((line) => `> ${line}`).join('\n');
  return `${post.quote.author ? `> *${post.quote.author}*\n` : ''}${quoted}\n\n${post.text}`;
}

/** Teams sometimes accepts a channel post without naming it (202, no body): a stable stand-in id. */
function unnamed(key: string): string {
  return `unnamed:${key}`;
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
