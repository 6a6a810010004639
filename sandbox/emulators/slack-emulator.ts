/**
 * A local stand-in for Slack, on loopback, for end-to-end tests and the newcomer sandbox. Two faces:
 *   - the Web API the bridge calls (`SLACK_API_URL = <base>/api/`), recorded and observable;
 *   - the agents: methods that change the workspace as a human would and deliver the signed
 *     Events API requests Slack would send to the bridge.
 *
 *   const slack = new SlackEmulator({ signingSecret, botToken, eventsUrl, users: [agent] });
 *   const base = await slack.start();
 *   slack.on('message', ({ channel, message }) => …);          // the bridge posted
 *   await slack.postAsUser({ channel, threadTs, user: agent.id, text: 'hola' });
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { BoundedLog } from './shared/bounded-log.js';
import { LoopbackServer, type EmulatorRequest, type EmulatorResponse } from './shared/loopback-server.js';
import { EventsApi } from './slack/events-api.js';
import { INTERACTION_RESPONSE_PREFIX, Interactivity, type InteractionResponseRecord, type ViewRecord } from './slack/interactivity.js';
import { FileStore, mimeTypeFor } from './slack/file-store.js';
import { fileObject, richTextBlocks } from './slack/message-factory.js';
import { RESPONSE_URL_PREFIX, SlashCommands } from './slack/slash-commands.js';
import { TsClock } from './slack/ts-clock.js';
import { WebApi } from './slack/web-api.js';
import { Workspace } from './slack/workspace.js';
import type { BotIdentity, MethodContext } from './slack/method-context.js';
import type {
  AgentActionResult,
  CommandResponseRecord,
  EmulatedSlackChannel,
  EmulatedSlackUser,
  EphemeralRecord,
  EventDeliveryRecord,
  SlackEmulatorEvents,
  SlackEmulatorOptions,
  SlackFileObject,
  SlackMessage,
  SlackReaction,
  SlashCommandInput,
  SlashCommandRecord,
  WebApiCallRecord,
} from './slack/types.js';

export type * from './slack/types.js';
export type { InteractionResponseRecord, ViewRecord } from './slack/interactivity.js';

export interface AgentFile {
  name: string;
  data: Buffer;
  mimetype?: string;
  title?: string;
}

export class SlackEmulator extends EventEmitter<SlackEmulatorEvents> {
  readonly bot: BotIdentity;
  private eventsTarget: string | undefined;
  private readonly server: LoopbackServer;
  private readonly clock = new TsClock();
  private readonly workspace: Workspace;
  private readonly files: FileStore;
  private readonly users = new Map<string, EmulatedSlackUser>();
  private readonly webApi: WebApi;
  private readonly events: EventsApi;
  private readonly requestLog: BoundedLog<WebApiCallRecord>;
  private readonly ephemeralLog: BoundedLog<EphemeralRecord>;
  private readonly deliveryLog: BoundedLog<EventDeliveryRecord>;
  private readonly commandLog: BoundedLog<SlashCommandRecord>;
  private readonly commandResponseLog: BoundedLog<CommandResponseRecord>;
  private readonly slashCommands: SlashCommands;
  private readonly interactivity: Interactivity;
  /** Echo deliveries scheduled after an API answer, so `whenIdle()` can wait for them. */
  private readonly pending = new Set<Promise<unknown>>();

  constructor(options: SlackEmulatorOptions) {
    super();
    if (!options.signingSecret) throw new Error('SlackEmulator: signingSecret is required');
    if (!options.botToken) throw new Error('SlackEmulator: botToken is required');
    this.bot = {
      teamId: options.teamId ?? 'T0EMULATED',
      appId: options.appId ?? 'A0EMULATED',
      botUserId: options.botUserId ?? 'U0PUENTEBOT',
      botId: options.botId ?? 'B0PUENTEBOT',
      botName: options.botName ?? 'puente',
    };
    this.eventsTarget = options.eventsUrl;
    const maxRecords = options.maxRecords ?? 10_000;
    this.requestLog = new BoundedLog(maxRecords);
    this.ephemeralLog = new BoundedLog(maxRecords);
    this.deliveryLog = new BoundedLog(maxRecords);
    this.commandLog = new BoundedLog(maxRecords);
    this.commandResponseLog = new BoundedLog(maxRecords);
    this.workspace = new Workspace(maxRecords, options.autoCreateChannels ?? true);
    this.files = new FileStore(options.maxFileBytes ?? 100 * 1024 * 1024);
    for (const channel of options.channels ?? []) this.workspace.addChannel(channel);
    for (const user of options.users ?? []) this.users.set(user.id, user);

    this.events = new EventsApi({
      signingSecret: options.signingSecret,
      eventsUrl: () => this.eventsTarget,
      timeoutMs: options.eventTimeoutMs ?? 10_000,
      bot: this.bot,
      verificationToken: options.verificationToken ?? 'emulated-verification-token',
      log: this.deliveryLog,
      maxStoredEnvelopes: maxRecords,
      onDelivered: (record) => this.emit('event', record),
    });
    const context: Omit<MethodContext, 'echo'> = {
      workspace: this.workspace,
      files: this.files,
      clock: this.clock,
      bot: this.bot,
      users: this.users,
      baseUrl: () => this.server.baseUrl,
      recordEphemeral: (record) => {
        this.ephemeralLog.push(record);
        this.emit('ephemeral', record);
      },
      openView: (triggerId, view) => this.interactivity.openView(triggerId, view),
      // The typed emitter cannot see through the generic `K` here; the call is type-checked at each call site instead.
      emit: (event, ...args) => (this as unknown as EventEmitter).emit(event, ...args),
    };
    const echo = options.echoBotMessages ?? false;
    this.webApi = new WebApi({
      botToken: options.botToken,
      context,
      echoMode: echo === 'before-response' ? 'before-response' : echo ? 'after-response' : false,
      deliverEcho: (event) => this.events.send(event),
      track: (work) => this.track(work),
      record: (call) => {
        this.requestLog.push(call);
        this.emit('request', call);
      },
    });
    this.slashCommands = new SlashCommands({
      context,
      post: (body, contentType) => this.events.postRaw(body, { contentType }),
      commandLog: this.commandLog,
      responseLog: this.commandResponseLog,
      onCommand: (record) => this.emit('command', record),
      onResponse: (record) => this.emit('commandResponse', record),
    });
    this.interactivity = new Interactivity({
      context,
      post: (body, contentType) => this.events.postRaw(body, { contentType }),
      onChange: () => this.emit('interaction'),
      onDelivered: (record) => this.emit('interactionDelivery', record),
    });
    this.server = new LoopbackServer((request) => this.route(request), 1024 * 1024 * 1024);
  }

  // ── lifecycle ────────────────────────────────────────────────────────────────────────────────

  /** Starts listening on 127.0.0.1; resolves with the base URL. The bridge's SLACK_API_URL is `apiUrl`. */
  start(port = 0): Promise<string> {
    return this.server.start(port);
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  get baseUrl(): string {
    return this.server.baseUrl;
  }

  /** `<base>/api/` — the `slackApiUrl` for `WebClient` / Bolt `clientOptions`. */
  get apiUrl(): string {
    return `${this.server.baseUrl}/api/`;
  }

  get eventsUrl(): string | undefined {
    return this.eventsTarget;
  }

  setEventsUrl(url: string | undefined): void {
    this.eventsTarget = url;
  }

  /** `v0=<hex HMAC-SHA256(signingSecret, "v0:<timestamp>:<body>")>`, the `X-Slack-Signature` value. */
  sign(timestamp: string | number, body: string): string {
    return this.events.sign(timestamp, body);
  }

  // ── workspace setup ──────────────────────────────────────────────────────────────────────────

  addChannel(channel: EmulatedSlackChannel): void {
    this.workspace.addChannel(channel);
  }

  addUser(user: EmulatedSlackUser): void {
    this.users.set(user.id, user);
  }

  // ── records ──────────────────────────────────────────────────────────────────────────────────

  /** Web API calls the bridge made, oldest first, optionally for one method. */
  requests(method?: string): WebApiCallRecord[] {
    const all = this.requestLog.all();
    return method === undefined ? all : all.filter((call) => call.method === method);
  }

  /** Every message in the channel, replies included, oldest first. */
  messages(channel: string): SlackMessage[] {
    const stored = this.workspace.findChannel(channel);
    return stored ? [...stored.messages.values()].map((m) => structuredClone(m)) : [];
  }

  message(channel: string, ts: string): SlackMessage | undefined {
    const message = this.workspace.message(channel, ts);
    return message && structuredClone(message);
  }

  /** Parent then replies, oldest first (empty when the parent is unknown). */
  thread(channel: string, ts: string): SlackMessage[] {
    if (!this.workspace.findChannel(channel)) return [];
    return this.workspace.thread(channel, ts).map((m) => structuredClone(m));
  }

  reactionsOn(channel: string, ts: string): SlackReaction[] {
    return structuredClone(this.workspace.message(channel, ts)?.reactions ?? []);
  }

  ephemerals(): EphemeralRecord[] {
    return this.ephemeralLog.all();
  }

  /** Slash commands delivered to the app, oldest first, with its HTTP answers. */
  commands(): SlashCommandRecord[] {
    return this.commandLog.all();
  }

  /** What the app answered to slash commands (ack bodies and response_url posts), oldest first. */
  commandResponses(): CommandResponseRecord[] {
    return this.commandResponseLog.all();
  }

  /** Every Events API POST made to the bridge, with its HTTP status. */
  eventDeliveries(): EventDeliveryRecord[] {
    return this.deliveryLog.all();
  }

  /** The stored envelope of an event (for assertions, or to tamper with in `postRawEvent`). */
  eventEnvelope(eventId: string): Record<string, unknown> | undefined {
    return this.events.envelope(eventId);
  }

  /** Bytes of a file uploaded by the bridge or attached by an agent. */
  fileContent(fileId: string): Buffer | undefined {
    return this.files.get(fileId)?.data;
  }

  /** Answers the app posted to interactions' `response_url`s (e.g. a shortcut's menu), oldest first. */
  interactionResponses(): InteractionResponseRecord[] {
    return this.interactivity.responses();
  }

  /** Modals the app opened with `views.open`, oldest first, with their state. */
  views(): ViewRecord[] {
    return this.interactivity.views();
  }

  /** The Slack file object of a stored file (name, mimetype, size), if it was completed. */
  fileInfo(fileId: string): SlackFileObject | undefined {
    const object = this.files.get(fileId)?.object;
    return object && structuredClone(object);
  }

  /** Forgets messages, files, records, stored events and injections (channels and users stay). */
  clear(): void {
    this.workspace.clear();
    this.files.clear();
    for (const log of [this.requestLog, this.ephemeralLog, this.deliveryLog, this.commandLog, this.commandResponseLog]) log.clear();
    this.events.clear();
    this.slashCommands.clear();
    this.interactivity.clear();
    this.webApi.clearInjections();
  }

  /** Resolves when no echo delivery scheduled after an API answer is in flight. */
  async whenIdle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  // ── injection ────────────────────────────────────────────────────────────────────────────────

  /** The next `count` calls of `method` get HTTP 429, `Retry-After: retryAfterSec`, `{ok:false, error:'ratelimited'}`. */
  rateLimitNext(method: string, count: number, retryAfterSec: number): void {
    this.webApi.rateLimitNext(method, count, retryAfterSec);
  }

  /** The next `count` calls of `method` answer `{ok:false, error}` (e.g. `channel_not_found`, `msg_too_long`). */
  failNext(method: string, count: number, error: string): void {
    this.webApi.failNext(method, count, error);
  }

  // ── agent side ───────────────────────────────────────────────────────────────────────────────

  /** A human posts in a channel or thread (optionally with files); the bridge gets the `message` event. */
  async postAsUser(input: { channel: string; threadTs?: string; user: string; text: string; blocks?: unknown[]; files?: AgentFile[] }): Promise<AgentActionResult> {
    const channel = this.workspace.channel(input.channel);
    const root = input.threadTs === undefined ? undefined : this.workspace.threadRoot(channel.id, input.threadTs);
    const ts = this.clock.next();
    const files = (input.files ?? []).map((file) => this.storeAgentFile(file, input.user, !channel.isPrivate));
    const message: SlackMessage = {
      ...(files.length > 0 ? { subtype: 'file_share' } : {}),
      user: input.user,
      type: 'message',
      ts,
      ...(files.length > 0 ? { files, upload: true, display_as_bot: false } : { client_msg_id: randomUUID() }),
      text: input.text,
      team: this.bot.teamId,
      blocks: input.blocks ?? (input.text === '' ? [] : richTextBlocks(input.text)),
      ...(root ? { thread_ts: root.ts, parent_user_id: root.user ?? root.bot_id ?? '' } : {}),
    };
    this.workspace.add(channel.id, message);
    this.emit('message', { channel: channel.id, message: structuredClone(message), author: 'user' });
    const delivery = await this.events.send({ ...structuredClone(message), channel: channel.id, event_ts: ts, channel_type: channelType(channel.isPrivate) });
    return { ts, eventId: delivery.eventId, status: delivery.status };
  }

  /** A human adds a reaction; the bridge gets `reaction_added`. */
  reactAsUser(input: { channel: string; ts: string; user: string; name: string }): Promise<AgentActionResult> {
    return this.changeReaction(input, 'added');
  }

  /** A human removes a reaction; the bridge gets `reaction_removed`. */
  unreactAsUser(input: { channel: string; ts: string; user: string; name: string }): Promise<AgentActionResult> {
    return this.changeReaction(input, 'removed');
  }

  /** A human edits their message; the bridge gets `message_changed` (hidden, with message and previous_message). */
  async editAsUser(input: { channel: string; ts: string; text: string }): Promise<AgentActionResult> {
    const message = this.requireHumanMessage(input.channel, input.ts);
    const previous = structuredClone(message);
    const eventTs = this.clock.next();
    message.text = input.text;
    message.blocks = richTextBlocks(input.text);
    message.edited = { user: message.user as string, ts: eventTs };
    this.emit('update', { channel: input.channel, message: structuredClone(message), previous, author: 'user' });
    const delivery = await this.events.send({
      type: 'message',
      subtype: 'message_changed',
      hidden: true,
      message: structuredClone(message),
      channel: input.channel,
      previous_message: previous,
      event_ts: eventTs,
      ts: eventTs,
      channel_type: 'channel',
    });
    return { ts: eventTs, eventId: delivery.eventId, status: delivery.status };
  }

  /** A human deletes their message; the bridge gets `message_deleted`. */
  async deleteAsUser(input: { channel: string; ts: string }): Promise<AgentActionResult> {
    this.requireHumanMessage(input.channel, input.ts);
    const previous = this.workspace.remove(input.channel, input.ts) as SlackMessage;
    const eventTs = this.clock.next();
    this.emit('delete', { channel: input.channel, ts: input.ts, previous: structuredClone(previous), author: 'user' });
    const delivery = await this.events.send({
      type: 'message',
      subtype: 'message_deleted',
      hidden: true,
      deleted_ts: input.ts,
      channel: input.channel,
      previous_message: structuredClone(previous),
      event_ts: eventTs,
      ts: eventTs,
      channel_type: 'channel',
    });
    return { ts: eventTs, eventId: delivery.eventId, status: delivery.status };
  }

  /**
   * A human runs `/command text` in a channel; the app gets Slack's signed, form-encoded slash
   * command POST at the events URL. Its answer (ack body, then any `response_url` posts) is recorded
   * in `commandResponses()`. Slack refuses slash commands in threads, so there is no `threadTs`.
   */
  slashCommand(input: SlashCommandInput): Promise<SlashCommandRecord> {
    return this.slashCommands.invoke(input);
  }

  /**
   * A human presses a button (`actionId`) on a message, or on an ephemeral answer to an earlier
   * interaction; the app gets Slack's signed `block_actions` payload. Resolves with its HTTP status.
   */
  pressButton(input: { channel: string; ts: string; user: string; actionId: string }): Promise<number> {
    return this.interactivity.pressButton(input);
  }

  /** A human runs the message shortcut `callbackId` on a message; the app gets `message_action`. */
  messageShortcut(input: { channel: string; ts: string; user: string; callbackId: string }): Promise<number> {
    return this.interactivity.messageShortcut(input);
  }

  /** A human submits an open modal (`values`: block_id → action_id → text); the app gets `view_submission`. */
  submitView(input: { viewId: string; user: string; values: Record<string, Record<string, string>> }): Promise<number> {
    return this.interactivity.submitView(input);
  }

  /** A human closes a modal without submitting it. */
  closeView(viewId: string): void {
    this.interactivity.closeView(viewId);
  }

  /** Re-sends a stored event as Slack retry `retryNum` (`X-Slack-Retry-Num`, `X-Slack-Retry-Reason`). */
  redeliver(eventId: string, retryNum: number, reason = 'http_timeout'): Promise<EventDeliveryRecord> {
    return this.events.redeliver(eventId, retryNum, reason);
  }

  /**
   * POSTs arbitrary bytes to the events URL. `signature`: undefined = sign correctly, null = omit,
   * string = send as is; `timestamp` lets a test send a stale request (> 5 minutes old).
   */
  postRawEvent(
    body: string,
    options: { contentType?: string; timestamp?: string | number; signature?: string | null; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; responseBody: string }> {
    return this.events.postRaw(body, options);
  }

  /** Sends Slack's `url_verification` handshake; `echoed` tells whether the bridge answered the challenge. */
  async sendUrlVerification(): Promise<{ status: number; echoed: boolean }> {
    const challenge = randomUUID();
    const result = await this.events.postRaw(JSON.stringify({ token: 'emulated-verification-token', challenge, type: 'url_verification' }), {});
    let echoed = false;
    try {
      echoed = (JSON.parse(result.responseBody) as { challenge?: string }).challenge === challenge;
    } catch {
      echoed = result.responseBody.trim() === challenge;
    }
    return { status: result.status, echoed };
  }

  // ── internals ────────────────────────────────────────────────────────────────────────────────

  /** The Web API, plus the `response_url`s handed out with slash commands. */
  private route(request: EmulatorRequest): Promise<EmulatorResponse> {
    const path = request.url.pathname;
    if (request.method === 'POST' && path.startsWith(RESPONSE_URL_PREFIX)) {
      return this.slashCommands.handleResponse(path.slice(RESPONSE_URL_PREFIX.length), request);
    }
    if (request.method === 'POST' && path.startsWith(INTERACTION_RESPONSE_PREFIX)) {
      return this.interactivity.handleResponse(path.slice(INTERACTION_RESPONSE_PREFIX.length), request);
    }
    return this.webApi.handle(request);
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  private requireHumanMessage(channel: string, ts: string): SlackMessage {
    const message = this.workspace.message(channel, ts);
    if (!message) throw new Error(`SlackEmulator: no message ${ts} in ${channel}`);
    if (!message.user || message.bot_id) throw new Error(`SlackEmulator: ${ts} was posted by the bot; agents can only edit or delete their own messages`);
    return message;
  }

  private async changeReaction(input: { channel: string; ts: string; user: string; name: string }, action: 'added' | 'removed'): Promise<AgentActionResult> {
    if (action === 'added') this.workspace.addReaction(input.channel, input.ts, input.name, input.user);
    else this.workspace.removeReaction(input.channel, input.ts, input.name, input.user);
    const target = this.workspace.message(input.channel, input.ts) as SlackMessage;
    const eventTs = this.clock.next();
    this.emit('reaction', { channel: input.channel, ts: input.ts, name: input.name, user: input.user, action });
    const delivery = await this.events.send({
      type: `reaction_${action}`,
      user: input.user,
      reaction: input.name,
      item: { type: 'message', channel: input.channel, ts: input.ts },
      item_user: target.user ?? target.bot_id ?? '',
      event_ts: eventTs,
    });
    return { ts: eventTs, eventId: delivery.eventId, status: delivery.status };
  }

  private storeAgentFile(file: AgentFile, user: string, isPublic: boolean): SlackFileObject {
    const reserved = this.files.reserve(file.name, file.data.length);
    this.files.receive(reserved.uploadKey, file.data);
    const object = fileObject({
      id: reserved.id,
      name: file.name,
      ...(file.title === undefined ? {} : { title: file.title }),
      mimetype: file.mimetype ?? mimeTypeFor(file.name),
      size: file.data.length,
      user,
      teamId: this.bot.teamId,
      baseUrl: this.server.baseUrl,
      isPublic,
    });
    this.files.complete(reserved.id, object);
    return object;
  }
}

function channelType(isPrivate: boolean): string {
  return isPrivate ? 'group' : 'channel';
}
