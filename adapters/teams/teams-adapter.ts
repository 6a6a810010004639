/**
 * The Microsoft Teams side of the bridge: one WhatsApp conversation is one channel thread (a new
 * channel conversation started by the bot, teams.md §2).
 *
 * Inbound, `POST /api/messages` is mounted on the bridge's own HTTP server: the Agents SDK's JWT
 * validation runs first (401 for an unsigned or wrongly signed request), then the activity is
 * interpreted (adapters/teams/activity.ts) and handed to the core; the HTTP answer waits until the
 * core has accepted it. Outbound, Bot Connector REST calls (adapters/teams/connector.ts) are paced per
 * thread and per tenant (adapters/teams/pacer.ts) and turn throttling and transient failures into
 * `RetryableChatError`.
 *
 * Each call goes to the Bot Connector region inbound activities named for that channel (their
 * `serviceUrl`, accepted only when it matches the signed token's `serviceurl` claim and is a Microsoft
 * host), remembered in adapters/teams/state.ts; `TEAMS_SERVICE_URL`, when set to anything but the
 * default, overrides it for every call (local fakes, tests). Private answers and notices (`onlyTo`)
 * go to the person's personal chat with the bot, or, when Teams will not open one, to the thread
 * with an @mention. Posts carry their key (a hidden card element) and are recorded durably, so
 * `findPosted` answers from the record, or else from Microsoft Graph (adapters/teams/graph.ts).
 *
 * Files: small customer images are shown inline; other customer files go to the channel's SharePoint
 * folder through Graph and are shown as a card that opens them; agents' channel attachments are read
 * through Graph's shares API (adapters/teams/graph-files.ts).
 */
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { say, type Language } from '../../bot/catalogue.js';
import {
  RetryableChatError,
  type ChatAdapter,
  type ChatCapabilities,
  type ChatHandlers,
  type ChatPost,
  type CommandReply,
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
import { formatBytes } from '../../bot/media-limits.js';
import type { AgentMessage, ChatFileRef, ChatMessageRef, DeliveryState, ThreadRef } from '../../bot/types.js';
import type { NumberConfig, TeamsConfig } from '../../config/types.js';
import { ADAPTER, FILE_REFERENCE, interpretTeamsBody, type ReplyTarget, type TeamsActivity, type TeamsInterpretation } from './activity.js';
import { jwtCheck, msalTokenSource, type JwtCheck } from './auth.js';
import { cardActivity, fileCard, headerCard, postCard, textCard } from './cards.js';
import { BotConnector, TeamsApiError, TeamsThrottledError, type ConnectorActivity, type TokenSource } from './connector.js';
import { whatsAppToTeams } from './format.js';
import { GRAPH_SCOPE, GraphLookup, GRAPH_URL } from './graph.js';
import { GraphFiles, sharePointName, type DriveItem, type GraphFilesOptions } from './graph-files.js';
import { TeamsPacedError, TeamsPacer, type TeamsPacerOptions } from './pacer.js';
import { TeamsState, type PostedRecord } from './state.js';

export const TEAMS_MESSAGES_PATH = '/api/messages';
/** `TEAMS_SERVICE_URL`'s default: with it, each channel's own `serviceUrl` is used once known. */
export const TEAMS_DEFAULT_SERVICE_URL = 'https://smba.trafficmanager.net/teams/';
/** Hosts a Bot Connector `serviceUrl` may have (public cloud, GCC, GCC High, DoD). */
const CONNECTOR_HOSTS = ['.trafficmanager.net', '.botframework.com', '.teams.microsoft.com', '.teams.microsoft.us', '.botframework.us', '.botframework.azure.us'];
const AAD_GROUP_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Small images are shown inline (a `data:` URL in the card's Image): Teams' bot message limit is about
 * 100 KB of text but excludes base64 images; Puente keeps inline images to 1 MiB [design]. Other files
 * (and larger images) go to the channel's SharePoint folder through Microsoft Graph (teams.md §5,
 * adapters/teams/graph-files.ts) and are shown as a card that opens them.
 */
export const TEAMS_INLINE_IMAGE_MAX_BYTES = 1024 * 1024;
/**
 * What the adapter takes in either direction: SharePoint takes far larger files through upload
 * sessions, so in practice the bridge's own limit (bot/media-limits.ts, 16 MB) is the one that applies.
 */
export const TEAMS_MAX_FILE_BYTES = 100 * 1024 * 1024;
/** Customer files go under this folder of the channel's SharePoint folder. */
export const TEAMS_FILES_FOLDER = 'WhatsApp';
/** After Graph refused to store files (403), non-image files are refused at once for this long. */
const FILES_REFUSED_FOR_MS = 60 * 60_000;

/** A staged customer file: an inline image, or a file kept on disk until it is in SharePoint. */
type Staged =
  | { kind?: 'image'; dataUrl: string; name: string }
  | { kind: 'file'; name: string; size: number; mimeType: string; path: string; item?: StoredItem };

/** What a posted file card needs of the SharePoint item, kept with the stage once uploaded. */
interface StoredItem {
  name: string;
  size: number;
  webUrl: string;
}
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
  /**
   * Where the adapter keeps what must survive a restart (service URLs, personal chats, post records,
   * status markers, staged images): `<DATA_DIR>/teams` in production; memory only without it.
   */
  stateDir?: string;
  pacer?: TeamsPacerOptions;
  /**
   * Microsoft Graph for `findPosted` (needs the `ChannelMessage.Read.Group` consent) and for files
   * (customer files into the channel's SharePoint folder, agents' attached files through the shares
   * API: `Sites.ReadWrite.All`, or `Files.ReadWrite.All`, or `Sites.Selected` per team site). Default: on, with the MSAL provider's Graph
   * token, unless a `tokenSource` is given (tests); `false`: off.
   */
  graph?: ({ url?: string; tokenSource: TokenSource } & Pick<GraphFilesOptions, 'simpleMaxBytes' | 'chunkBytes'>) | false;
}

export class TeamsAdapter implements ChatAdapter {
  readonly name = ADAPTER;
  readonly capabilities: ChatCapabilities = {
    // A bot's name and icon are fixed (Azure Bot resource): the customer is named in a card header.
    customSender: false,
    // Bots cannot react to messages in Teams; statuses are markers, customer reactions are posts.
    reactions: false,
    // No ephemeral messages in channels: what is for one person goes to their personal chat (sendPrivately).
    ephemeral: false,
    // The bot message limit is ~100 KB of UTF-16 text with a recommended 80 KB ceiling (teams.md §6).
    maxTextLength: 20_000,
    maxFileBytes: TEAMS_MAX_FILE_BYTES,
    fileCustomSender: true,
  };

  private readonly logger: Logger;
  private readonly connector: BotConnector;
  private readonly checkJwt: JwtCheck;
  /** `TEAMS_SERVICE_URL` when it is not the default: every call goes there. */
  private readonly serviceUrlOverride?: string;
  private readonly tenantId: string;
  private readonly languages = new Map<string, Language>();
  /** `numbers[].team` per channel: a group id (Graph's team id) or the team's `19:…` id. */
  private readonly configuredTeams = new Map<string, string>();
  private readonly state: TeamsState;
  private readonly graph?: GraphLookup;
  private readonly files?: GraphFiles;
  private readonly stagedDir?: string;
  /** Where staged files wait without a state directory (memory-only setups): a temporary directory. */
  private scratchDir?: Promise<string>;
  /** Staged images and files: in memory, and on disk when there is a state directory. */
  private readonly staged = new Map<string, Staged>();
  /** Until when non-image files are refused at once (Graph answered 401/403 to an upload). */
  private filesRefusedUntil = 0;
  /** Whether the missing file permission was logged already (it is logged once, not per file). */
  private filesWarned = false;
  /**
   * Keys whose last post attempt failed without an answer (timeout, 502, 504, network): Teams may
   * have posted it. The core retries such failures in place (not as a recovery), so the next attempt
   * with the same key looks first (findPosted) instead of posting a second copy.
   */
  private readonly uncertain = new Set<string>();
  private handlers?: ChatHandlers;

  constructor({ config, numbers, logger, tokenSource, stateDir, pacer, graph }: TeamsAdapterOptions) {
    this.logger = logger;
    this.tenantId = config.tenantId;
    if (normalUrl(config.serviceUrl) !== normalUrl(TEAMS_DEFAULT_SERVICE_URL)) this.serviceUrlOverride = config.serviceUrl;
    this.connector = new BotConnector(tokenSource ?? msalTokenSource(config), config.appId, config.tenantId, new TeamsPacer(pacer));
    this.checkJwt = jwtCheck(config);
    this.state = new TeamsState(stateDir);
    this.stagedDir = stateDir ? join(stateDir, 'staged') : undefined;
    const lookup = graph ?? (tokenSource ? false : { tokenSource: msalTokenSource(config, GRAPH_SCOPE) });
    if (lookup) {
      this.graph = new GraphLookup(lookup.tokenSource, config.appId, lookup.url ?? GRAPH_URL);
      this.files = new GraphFiles(lookup.tokenSource, lookup.url ?? GRAPH_URL, { simpleMaxBytes: lookup.simpleMaxBytes, chunkBytes: lookup.chunkBytes });
    }
    for (const number of numbers) {
      if (number.adapter !== ADAPTER) continue;
      this.languages.set(number.channel, number.language);
      if (number.team) this.configuredTeams.set(number.channel, number.team);
    }
  }

  async start(handlers: ChatHandlers): Promise<void> {
    await this.state.open();
    this.handlers = handlers;
  }

  async stop(): Promise<void> {
    this.handlers = undefined;
    await this.state.close();
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
    this.learn(body, auth.claims);
    const interpretation = interpretTeamsBody(body);
    await this.deliver(interpretation, handlers, body);
    answer(res, interpretation.kind === 'rejected' ? 400 : 200, {});
  }

  private async deliver(interpretation: TeamsInterpretation, handlers: ChatHandlers, body: string): Promise<void> {
    switch (interpretation.kind) {
      case 'message':
        return handlers.onAgentMessage(await this.withChannelFiles(body, interpretation.message));
      case 'change':
        return handlers.onAgentChange(interpretation.change);
      case 'reaction':
        for (const reaction of interpretation.reactions) await handlers.onAgentReaction(reaction);
        return;
      case 'command': {
        const reply = await handlers.onCommand(interpretation.command);
        await this.answerCommand(interpretation.command.channel, interpretation.command.user.id, interpretation.replyTo, reply);
        return;
      }
      case 'rejected':
        this.logger.warn({ reason: interpretation.reason }, 'teams: activity rejected');
        return;
      default:
        this.logger.debug({ reason: interpretation.reason }, 'teams: activity ignored');
    }
  }

  /**
   * Files attached to a channel message are not in the activity Teams sends the bot: its HTML only
   * holds `<attachment id="…">` placeholders (teams.md §5). Their SharePoint URLs are read from the
   * message itself through Graph (`GET /teams/{group}/channels/{channel}/messages/{root}/replies/{id}`);
   * when that fails now (Graph busy), each file is handed to the core as a reference resolved again at
   * send time (`graph-attachment:` source), so the core's retries and notices apply to it.
   */
  private async withChannelFiles(body: string, message: AgentMessage): Promise<AgentMessage> {
    const ids = attachmentIdsOf(body);
    if (ids.length === 0) return message;
    const files = message.files ?? [];
    // Teams named the files itself (`reference` attachments): nothing to look up.
    if (files.some((file) => file.source !== undefined && !this.isBotConnectorUrl(file.source))) return message;
    const channel = message.ref.channel;
    const root = message.thread?.id ?? message.ref.threadId ?? message.ref.id;
    const team = this.teamGroupOf(channel);
    if (!this.graph || !team) {
      this.logger.warn({ channel, graph: Boolean(this.graph) }, 'teams: an agent attached files, but Microsoft Graph cannot read the message (no access or unknown team group id); they are not relayed');
      return message;
    }
    let found: ChatFileRef[];
    try {
      const posted = await this.graph.message(team, channel, root, message.ref.id);
      found = (posted.attachments ?? []).flatMap((attachment, index): ChatFileRef[] => {
        if (attachment.contentType !== FILE_REFERENCE || !attachment.contentUrl?.startsWith('https://')) return [];
        if (attachment.id && !ids.includes(attachment.id)) return [];
        return [{ id: `${message.ref.id}-${attachment.id ?? index}`, name: attachment.name || `file-${index + 1}`, source: attachment.contentUrl }];
      });
    } catch (error) {
      this.logger.warn({ err: error, channel }, 'teams: could not read an agent’s attached files now; they are fetched when sent');
      found = ids.map((id, index) => ({ id: `${message.ref.id}-${id}`, name: `attachment-${index + 1}`, source: graphAttachmentSource(team, channel, root, message.ref.id, id) }));
    }
    return found.length > 0 ? { ...message, files: [...files, ...found] } : message;
  }

  /**
   * What a verified activity tells about where to reach people later: the Bot Connector region of its
   * channel, tenant and sender; the sender's Teams id; the team's group id; a personal chat's id.
   */
  private learn(body: string, claims: Record<string, unknown>): void {
    let activity: TeamsActivity;
    try {
      const parsed = JSON.parse(body) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return;
      activity = parsed as TeamsActivity;
    } catch {
      return;
    }
    if (activity.channelId !== undefined && activity.channelId !== 'msteams') return;
    const channel = channelOf(activity);
    const aad = activity.from?.aadObjectId;
    const tenant = activity.channelData?.tenant?.id ?? activity.conversation?.tenantId;
    if (typeof activity.serviceUrl === 'string' && this.trustedServiceUrl(activity.serviceUrl, claims)) {
      if (channel) this.state.rememberServiceUrl(`channel:${channel}`, activity.serviceUrl);
      if (tenant) this.state.rememberServiceUrl(`tenant:${tenant}`, activity.serviceUrl);
      if (aad) this.state.rememberServiceUrl(`user:${aad}`, activity.serviceUrl);
    }
    const from = activity.from;
    if (aad && from?.id?.startsWith('29:')) this.state.rememberUser(aad, from.id, from.name);
    const team = activity.channelData?.team;
    if (team?.id && team.aadGroupId) this.state.rememberTeamGroup(`team:${team.id}`, team.aadGroupId);
    if (channel && team?.id) this.state.rememberTeamGroup(`channel:${channel}`, team.id);
    if (aad && activity.conversation?.conversationType === 'personal' && activity.conversation.id) {
      void this.state.rememberPersonalConversation(aad, activity.conversation.id).catch(() => undefined);
    }
  }

  /**
   * A `serviceUrl` from a request is used for the bot's token only when the signed token names the
   * same URL (Bot Framework's `serviceurl` claim) and it is a Microsoft Bot Connector host (or the
   * configured override's host).
   */
  private trustedServiceUrl(url: string, claims: Record<string, unknown>): boolean {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return false;
    }
    const claim = claims.serviceurl ?? claims.serviceUrl;
    if (typeof claim === 'string' && normalUrl(claim) !== normalUrl(url)) return false;
    if (this.serviceUrlOverride && parsed.host === new URL(this.serviceUrlOverride).host) return true;
    return parsed.protocol === 'https:' && CONNECTOR_HOSTS.some((suffix) => parsed.hostname.endsWith(suffix));
  }

  /** The Bot Connector for a channel (or a person's personal chat): the override, what Teams told, the tenant's, the default. */
  private serviceUrlFor(place: { channel?: string; user?: string }): string {
    if (this.serviceUrlOverride) return this.serviceUrlOverride;
    return (
      (place.channel ? this.state.serviceUrl(`channel:${place.channel}`) : undefined) ??
      (place.user ? this.state.serviceUrl(`user:${place.user}`) : undefined) ??
      this.state.serviceUrl(`tenant:${this.tenantId}`) ??
      TEAMS_DEFAULT_SERVICE_URL
    );
  }

  /** A command's answer: `private` ones to the person (personal chat), `channel` ones in the thread. */
  private async answerCommand(channel: string, user: string, target: ReplyTarget, reply: CommandReply): Promise<void> {
    try {
      if (reply.visibility === 'private') await this.sendPrivately(channel, target.conversationId, user, reply.text);
      else await this.connector.send(this.serviceUrlFor({ channel }), target.conversationId, markdown(reply.text));
    } catch (error) {
      // The command itself is done and durable; a lost answer is logged, not redone.
      this.logger.error({ err: error, conversation: target.conversationId }, 'teams: could not post a command answer');
    }
  }

  /**
   * Teams has no ephemeral messages in channels: what is meant for one person goes to their personal
   * chat with the bot (created once, remembered). When Teams refuses it (the app is not installed for
   * that person) it is posted in the thread, @mentioning them, with a line saying why.
   */
  private async sendPrivately(channel: string, threadConversationId: string, userId: string, text: string): Promise<void> {
    const known = this.state.user(userId);
    const user = known ?? (userId.startsWith('29:') ? { mri: userId } : undefined);
    if (user) {
      const serviceUrl = this.serviceUrlFor({ user: userId, channel });
      for (let attempt = 0; attempt < 2; attempt++) {
        const cached = this.state.personalConversation(userId);
        try {
          const conversation = cached ?? (await this.connector.createPersonalConversation(serviceUrl, user.mri));
          if (!cached) await this.state.rememberPersonalConversation(userId, conversation);
          await this.connector.send(serviceUrl, conversation, markdown(text));
          return;
        } catch (error) {
          if (error instanceof RetryableChatError) throw error;
          this.logger.warn({ err: error, user: userId }, 'teams: no personal chat with this person; answering in the thread');
          if (cached) await this.state.rememberPersonalConversation(userId, undefined);
          if (!cached) break; // creating it was refused: the thread it is
        }
      }
    }
    const serviceUrl = this.serviceUrlFor({ channel });
    if (!user) {
      await this.connector.send(serviceUrl, threadConversationId, markdown(text));
      return;
    }
    const name = (known?.name ?? 'you').replace(/[<>]/g, '');
    const tag = `<at>${name}</at>`;
    const lead = say(this.languageOf(channel), 'notice.private.fallback', { agent: tag });
    await this.connector.send(serviceUrl, threadConversationId, {
      ...markdown(`${lead}\n\n${text}`),
      entities: [{ type: 'mention', text: tag, mentioned: { id: user.mri, name } }],
    });
  }

  async openThread(channel: string, header: ThreadHeader): Promise<ThreadRef> {
    const root = await this.once(channel, undefined, header.key, async () => {
      const { rootId } = await this.connector.createChannelThread(this.serviceUrlFor({ channel }), channel, cardActivity(headerCard(header), header.text, header.key));
      return rootId;
    });
    return { adapter: ADAPTER, channel, id: root.id };
  }

  async post(thread: ThreadRef, post: ChatPost): Promise<ChatMessageRef> {
    const activity = post.sender
      ? cardActivity(postCard(post.text, post.sender, post.quote), `${post.sender.name}: ${post.text}`, post.key)
      : cardActivity(postCard(post.text, undefined, post.quote), post.text, post.key);
    const ref = await this.once(thread.channel, thread, post.key, async () => {
      const id = await this.connector.send(this.serviceUrlFor({ channel: thread.channel }), threadConversation(thread.channel, thread.id), activity);
      return id ?? unnamed(post.key);
    });
    return { ...ref, threadId: thread.id };
  }

  /**
   * Posts once per key: a key whose previous attempt may have been posted is looked up first; the
   * message made is recorded durably before this returns.
   */
  private async once(channel: string, thread: ThreadRef | undefined, key: string, send: () => Promise<string>): Promise<ChatMessageRef> {
    if (this.uncertain.has(key)) {
      const found = await this.findPosted(channel, thread, key);
      if (found) {
        this.uncertain.delete(key);
        return found;
      }
    }
    let id: string;
    try {
      id = await send();
    } catch (error) {
      const unknownOutcome = error instanceof RetryableChatError && !(error instanceof TeamsThrottledError) && !(error instanceof TeamsPacedError);
      if (unknownOutcome) this.uncertain.add(key);
      throw error;
    }
    this.uncertain.delete(key);
    const record: PostedRecord = { id, channel, ...(thread ? { thread: thread.id } : {}) };
    await this.record(key, record);
    return refOf(record);
  }

  /**
   * A post made with `key`: from the adapter's own durable record (written as soon as Teams accepted
   * the post), else by reading the thread's recent replies (or the channel's recent top-level posts
   * for a thread root) through Microsoft Graph and finding the card that carries the key. Without
   * Graph access (no consent, team group id unknown) a post whose acceptance was never recorded — the
   * answer to it was lost — cannot be found and the core posts again.
   */
  async findPosted(channel: string, thread: ThreadRef | undefined, key: string): Promise<ChatMessageRef | undefined> {
    const local = this.state.posted(key);
    if (local && local.channel === channel && (thread ? local.thread === thread.id : local.thread === undefined)) return refOf(local);
    const team = this.teamGroupOf(channel);
    if (!this.graph || !team) {
      this.logger.debug({ channel, key, graph: Boolean(this.graph) }, 'teams: cannot look back in this channel');
      return undefined;
    }
    let id: string | undefined;
    try {
      id = await this.graph.find(team, channel, thread?.id, key);
    } catch (error) {
      if (error instanceof RetryableChatError) throw error;
      this.logger.warn({ err: error, channel }, 'teams: Microsoft Graph refused to read the channel (is ChannelMessage.Read.Group consented?)');
      return undefined;
    }
    if (!id) return undefined;
    const record: PostedRecord = { id, channel, ...(thread ? { thread: thread.id } : {}) };
    await this.record(key, record);
    return refOf(record);
  }

  /** The team's group id (what Graph takes) for a channel: configured, or learned from Teams' activities. */
  private teamGroupOf(channel: string): string | undefined {
    const team = this.configuredTeams.get(channel) ?? this.state.teamGroup(`channel:${channel}`);
    if (!team) return undefined;
    if (AAD_GROUP_ID.test(team)) return team;
    return this.state.teamGroup(`team:${team}`);
  }

  /** Records a post durably; a failure to record is logged (the post happened: throwing would repeat it). */
  private async record(key: string, record: PostedRecord): Promise<void> {
    try {
      await this.state.rememberPost(key, record);
    } catch (error) {
      this.logger.error({ err: error, key }, 'teams: could not record a post');
    }
  }

  /**
   * Bots cannot react to or edit an agent's message, so the status is a marker reply under it, posted
   * at the first status and updated in place afterwards (one marker per agent message, remembered
   * across restarts when the adapter has a state directory). When Teams answers without an id, a
   * later status posts a new marker.
   */
  async showStatus(message: ChatMessageRef, state: DeliveryState, _previous?: DeliveryState): Promise<void> {
    const conversation = threadConversation(message.channel, message.threadId ?? message.id);
    const activity = markdown(say(this.languageOf(message.channel), STATUS_LABEL[state]));
    const serviceUrl = this.serviceUrlFor({ channel: message.channel });
    const marker = this.state.marker(message.id);
    if (marker) {
      try {
        await this.connector.update(serviceUrl, conversation, marker, activity);
        return;
      } catch (error) {
        if (!(error instanceof TeamsApiError && error.status === 404)) throw error;
      }
    }
    const id = await this.connector.send(serviceUrl, conversation, activity);
    if (id) await this.state.rememberMarker(message.id, id).catch((error: unknown) => this.logger.warn({ err: error }, 'teams: could not record a status marker'));
  }

  async react(_message: ChatMessageRef, _emoji: string, _remove: boolean): Promise<void> {
    throw new Error('Teams bots cannot add reactions (capabilities.reactions is false)');
  }

  /** A notice in the thread; one meant for a single person (`onlyTo`) goes to them privately (sendPrivately). */
  async notify(thread: ThreadRef, notice: Notice): Promise<void> {
    const text = `${NOTICE_PREFIX[notice.kind]} ${notice.text}`;
    const conversation = threadConversation(thread.channel, thread.id);
    if (notice.onlyTo) return this.sendPrivately(thread.channel, conversation, notice.onlyTo, text);
    await this.connector.send(this.serviceUrlFor({ channel: thread.channel }), conversation, markdown(text));
  }

  /**
   * Step one of two: an image up to TEAMS_INLINE_IMAGE_MAX_BYTES is kept as a `data:` URL; any other
   * file is copied next to the adapter's state (the core releases its own copy when this returns), to
   * be uploaded to the thread's channel folder when it is shared — the channel is known only then.
   * Both are kept on the data volume, named by the stage's id, so a share resumed after a restart
   * still has them. Without Graph file access, only inline images can be shown (today's notice).
   */
  async stageFile(file: LocalFile): Promise<StagedFile> {
    const id = randomUUID();
    const inline = file.mimeType.startsWith('image/') && file.size <= TEAMS_INLINE_IMAGE_MAX_BYTES;
    let staged: Staged;
    if (inline) {
      const bytes = await readFile(file.path);
      staged = { dataUrl: `data:${file.mimeType};base64,${bytes.toString('base64')}`, name: file.name };
    } else {
      if (!this.filesAllowed()) {
        if (file.mimeType.startsWith('image/')) throw new MediaError({ reason: 'too-large', size: file.size, limit: TEAMS_INLINE_IMAGE_MAX_BYTES });
        throw new MediaError({ reason: 'type', mimeType: file.mimeType }); // no Graph file access: Teams bots cannot show it
      }
      if (file.size > this.capabilities.maxFileBytes) throw new MediaError({ reason: 'too-large', size: file.size, limit: this.capabilities.maxFileBytes });
      const path = join(await this.fileDir(), `${id}.bin`);
      await copyFile(file.path, path);
      staged = { kind: 'file', name: file.name, size: file.size, mimeType: file.mimeType, path };
    }
    await this.keepStage(id, staged);
    return { id, key: `teams-file:${id}` };
  }

  /** Non-image files can go to SharePoint: Graph is configured and has not just refused. */
  private filesAllowed(): boolean {
    return this.files !== undefined && Date.now() >= this.filesRefusedUntil;
  }

  private async fileDir(): Promise<string> {
    if (this.stagedDir) {
      await mkdir(this.stagedDir, { recursive: true });
      return this.stagedDir;
    }
    this.scratchDir ??= mkdtemp(join(tmpdir(), 'puente-teams-staged-'));
    return this.scratchDir;
  }

  private async keepStage(id: string, staged: Staged): Promise<void> {
    if (this.stagedDir) {
      // Kept on the data volume too, so a share resumed after a restart still has the file.
      await mkdir(this.stagedDir, { recursive: true });
      await writeFile(join(this.stagedDir, `${id}.json`), JSON.stringify(staged));
    }
    this.staged.set(id, staged);
  }

  /**
   * Step two: posts the staged file in the thread, once per key. An image is the card's Image; a file
   * is uploaded to `WhatsApp/<id> <name>` in the channel's SharePoint folder (replacing a copy an
   * interrupted attempt left there, so a retry never makes a second file; the uploaded item is kept
   * with the stage so a retry after a crash does not upload again) and posted as a card with its name,
   * size and an Open button. When Graph may not store files there (403, no team group id), the post
   * carries the comment and a notice saying the file cannot be shown, once per key like the file.
   */
  async shareFile(thread: ThreadRef, file: StagedFile, post: Omit<ChatPost, 'key'>): Promise<ChatMessageRef | undefined> {
    const done = this.state.posted(file.key);
    if (done && done.channel === thread.channel && done.thread === thread.id) {
      // Shared already (the record says so): nothing is posted or uploaded again.
      const leftover = this.staged.get(file.id) ?? (await this.stagedOnDisk(file.id));
      if (leftover) await this.dropStage(file.id, leftover);
      return done.id.startsWith('unnamed:') ? undefined : { ...refOf(done), threadId: thread.id };
    }
    const staged = this.staged.get(file.id) ?? (await this.stagedOnDisk(file.id));
    if (!staged) throw new MediaError({ reason: 'gone' });
    let activity: ConnectorActivity;
    if (staged.kind === 'file') {
      const language = this.languageOf(thread.channel);
      const item = await this.storeFile(thread.channel, file.id, staged);
      const content = item
        ? fileCard(post.text, post.sender, post.quote, {
            name: item.name,
            size: formatBytes(item.size),
            url: item.webUrl,
            icon: fileIcon(staged.mimeType),
            open: say(language, 'inbound.file.open'),
          })
        : postCard([post.text, say(language, 'inbound.media.not.stored')].filter((line) => line).join('\n\n'), post.sender, post.quote);
      activity = cardActivity(content, post.text || staged.name, file.key);
    } else {
      const content = postCard(post.text, post.sender, post.quote);
      (content.body as unknown[]).push({ type: 'Image', url: staged.dataUrl, altText: staged.name, size: 'Large' });
      activity = cardActivity(content, post.text || staged.name, file.key);
    }
    const ref = await this.once(thread.channel, thread, file.key, async () => {
      const id = await this.connector.send(this.serviceUrlFor({ channel: thread.channel }), threadConversation(thread.channel, thread.id), activity);
      return id ?? unnamed(file.key);
    });
    await this.dropStage(file.id, staged);
    return ref.id.startsWith('unnamed:') ? undefined : { ...ref, threadId: thread.id };
  }

  /**
   * Uploads a staged file to the channel's folder; undefined when Graph may not (no access, no team
   * group id, refused: logged once), so the thread gets a notice instead. Throttling and outages are
   * the core's to retry (RetryableChatError).
   */
  private async storeFile(channel: string, id: string, staged: Extract<Staged, { kind: 'file' }>): Promise<StoredItem | undefined> {
    if (staged.item) return staged.item;
    const team = this.teamGroupOf(channel);
    if (!this.files || !team) {
      this.warnFilesOnce({ channel, graph: Boolean(this.files) }, 'teams: cannot store customer files in this channel (no Microsoft Graph access or the team’s group id is unknown); a notice is posted instead');
      return undefined;
    }
    const path = `${TEAMS_FILES_FOLDER}/${id.replace(/-/g, '').slice(0, 12)} ${sharePointName(staged.name)}`;
    let item: DriveItem;
    try {
      item = await this.files.upload(team, channel, path, { path: staged.path, size: staged.size, mimeType: staged.mimeType });
    } catch (error) {
      if (error instanceof RetryableChatError) throw error;
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new MediaError({ reason: 'gone' }, { cause: error });
      if (error instanceof TeamsApiError && (error.status === 401 || error.status === 403)) this.filesRefusedUntil = Date.now() + FILES_REFUSED_FOR_MS;
      this.warnFilesOnce({ err: error, channel }, 'teams: Microsoft Graph refused to store a customer file (is Files.ReadWrite.All or Sites.Selected granted?); a notice is posted instead');
      return undefined;
    }
    if (!item.webUrl) {
      this.logger.warn({ channel, item: item.id }, 'teams: the uploaded file has no web URL; a notice is posted instead');
      return undefined;
    }
    const stored: StoredItem = { name: item.name ?? staged.name, size: item.size ?? staged.size, webUrl: item.webUrl };
    await this.keepStage(id, { ...staged, item: stored }).catch((error: unknown) => this.logger.warn({ err: error }, 'teams: could not record an uploaded file'));
    return stored;
  }

  private warnFilesOnce(fields: Record<string, unknown>, message: string): void {
    if (this.filesWarned) {
      this.logger.debug(fields, message);
      return;
    }
    this.filesWarned = true;
    this.logger.warn(fields, message);
  }

  private async dropStage(id: string, staged: Staged): Promise<void> {
    this.staged.delete(id);
    if (staged.kind === 'file') await rm(staged.path, { force: true }).catch(() => undefined);
    if (this.stagedDir) await rm(join(this.stagedDir, `${id}.json`), { force: true }).catch(() => undefined);
  }

  private async stagedOnDisk(id: string): Promise<Staged | undefined> {
    if (!this.stagedDir || !/^[0-9a-f-]{36}$/.test(id)) return undefined;
    let staged: Staged;
    try {
      staged = JSON.parse(await readFile(join(this.stagedDir, `${id}.json`), 'utf8')) as Staged;
    } catch {
      return undefined;
    }
    // The copy sits next to its record, wherever the data directory is mounted now.
    return staged.kind === 'file' ? { ...staged, path: join(this.stagedDir, `${id}.bin`) } : staged;
  }

  /**
   * An agent's file: a pasted image is on the Bot Connector (`contentUrl`), fetched with the bot's
   * token; a file attached in a channel is in SharePoint (a `reference` attachment), read through
   * Graph's shares API — its size first, so the core refuses a file over the limit before any byte of
   * it is downloaded, then its content, streamed.
   */
  async openFile(file: ChatFileRef): Promise<FileDownload> {
    if (!file.source) throw new MediaError({ reason: 'gone' });
    if (file.source.startsWith(GRAPH_ATTACHMENT)) return this.openAttachment(file.source);
    if (!this.isBotConnectorUrl(file.source)) {
      if (this.files && file.source.startsWith('https://')) return this.openShared(this.files, file.source);
      throw new MediaError({ reason: 'refused', detail: 'not a Bot Connector attachment URL' });
    }
    try {
      const response = await this.connector.download(file.source);
      if (!response.body) throw new MediaError({ reason: 'gone' });
      const length = Number(response.headers.get('content-length'));
      return { body: Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), ...(Number.isFinite(length) && length > 0 ? { size: length } : {}) };
    } catch (error) {
      throw downloadProblem(error);
    }
  }

  /** A file of a channel message whose SharePoint URL could not be read when it arrived: read it now. */
  private async openAttachment(source: string): Promise<FileDownload> {
    const [team, channel, root, id, attachmentId] = source.slice(GRAPH_ATTACHMENT.length).split('/').map(decodeURIComponent);
    if (!this.graph || !this.files || !team || !channel || !root || !id || !attachmentId) throw new MediaError({ reason: 'refused', detail: 'no Microsoft Graph access' });
    let url: string | undefined;
    try {
      const posted = await this.graph.message(team, channel, root, id);
      url = posted.attachments?.find((attachment) => attachment.id === attachmentId && attachment.contentType === FILE_REFERENCE)?.contentUrl ?? undefined;
    } catch (error) {
      throw downloadProblem(error);
    }
    if (!url?.startsWith('https://')) throw new MediaError({ reason: 'gone' });
    return this.openShared(this.files, url);
  }

  private async openShared(files: GraphFiles, url: string): Promise<FileDownload> {
    let item: DriveItem;
    try {
      item = await files.sharedItem(url);
    } catch (error) {
      throw downloadProblem(error);
    }
    const size = typeof item.size === 'number' && item.size >= 0 ? item.size : undefined;
    // The content is asked for only when the core starts reading: a file it refuses by size is never fetched.
    const body = Readable.from(
      (async function* () {
        let response: Response;
        try {
          response = await files.openShared(url);
        } catch (error) {
          throw downloadProblem(error);
        }
        if (!response.body) throw new MediaError({ reason: 'gone' });
        yield* Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
      })(),
      { objectMode: false },
    );
    return { body, ...(size !== undefined ? { size } : {}) };
  }

  async announce(channel: string, post: ChatPost): Promise<ChatMessageRef> {
    return this.once(channel, undefined, post.key, async () => {
      const { rootId } = await this.connector.createChannelThread(this.serviceUrlFor({ channel }), channel, cardActivity(textCard(post.text), post.text, post.key));
      return rootId;
    });
  }

  /** The bot's token only goes to the Bot Connector (the configured host, or Microsoft's). */
  private isBotConnectorUrl(source: string): boolean {
    try {
      const url = new URL(source);
      if (this.serviceUrlOverride && url.host === new URL(this.serviceUrlOverride).host) return true;
      return url.protocol === 'https:' && CONNECTOR_HOSTS.some((suffix) => url.hostname.endsWith(suffix));
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

/** The channel an activity happened in (`19:…`), if it is a channel's. */
function channelOf(activity: TeamsActivity): string | undefined {
  const id = activity.channelData?.channel?.id;
  if (id) return id;
  const base = activity.conversation?.id?.split(';')[0];
  return activity.conversation?.conversationType === 'channel' && base?.startsWith('19:') ? base : undefined;
}

/** The source of an agent's file to be read from its channel message at send time (see withChannelFiles). */
const GRAPH_ATTACHMENT = 'graph-attachment:';

function graphAttachmentSource(team: string, channel: string, root: string, id: string, attachmentId: string): string {
  return GRAPH_ATTACHMENT + [team, channel, root, id, attachmentId].map(encodeURIComponent).join('/');
}

/** The `<attachment id="…">` placeholders of an activity's HTML (its text and `text/html` attachments). */
function attachmentIdsOf(body: string): string[] {
  let activity: TeamsActivity;
  try {
    activity = JSON.parse(body) as TeamsActivity;
  } catch {
    return [];
  }
  const html = [activity.text ?? '', ...(activity.attachments ?? []).filter((attachment) => attachment.contentType === 'text/html').map((attachment) => (typeof attachment.content === 'string' ? attachment.content : ''))];
  const ids = html.flatMap((text) => [...text.matchAll(/<attachment\s+id=["']([^"']+)["']/gi)].map((match) => match[1] ?? ''));
  // Quoted messages are placeholders too, named by their numeric message id: those are not files.
  return [...new Set(ids.filter((id) => id !== '' && !/^\d+$/.test(id)))];
}

/** A failed download as the core's media problem. */
function downloadProblem(error: unknown): MediaError {
  if (error instanceof MediaError) return error;
  if (error instanceof RetryableChatError) return new MediaError({ reason: 'transfer', detail: error.message }, { cause: error });
  if (error instanceof TeamsApiError && error.status === 404) return new MediaError({ reason: 'gone' }, { cause: error });
  return new MediaError({ reason: 'refused', detail: (error as Error).message }, { cause: error });
}

/** The icon of a file card, by kind. */
function fileIcon(mimeType: string): string {
  if (mimeType.startsWith('image/')) return '🖼️';
  if (mimeType.startsWith('video/')) return '🎬';
  if (mimeType.startsWith('audio/')) return '🎵';
  if (mimeType === 'application/pdf') return '📕';
  return '📄';
}

function refOf(record: PostedRecord): ChatMessageRef {
  return { adapter: ADAPTER, channel: record.channel, id: record.id, ...(record.thread ? { threadId: record.thread } : {}) };
}

function normalUrl(url: string): string {
  return url.trim().replace(/\/+$/, '').toLowerCase();
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
