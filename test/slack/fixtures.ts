/**
 * Shared by the Slack adapter tests: a fake workspace identity, Events API envelopes, Slack's request
 * signature, and a bridge HTTP server with the adapter's routes mounted.
 */
import { createHmac } from 'node:crypto';
import nock from 'nock';
import type { AgentChange, AgentMessage, AgentReaction } from '../../bot/types.js';
import type { ChatCommand, ChatHandlers, CommandReply, ThreadAction } from '../../bot/chat-adapter.js';
import { HttpServer } from '../../bot/http-server.js';
import { silentLogger } from '../../bot/logger.js';
import { SlackAdapter } from '../../adapters/slack/index.js';

export const SLACK_API = 'https://slack.test';
export const SIGNING_SECRET = 'test-signing-secret';
export const BOT = { userId: 'UBOT', botId: 'BBOT', appId: 'APUENTE' };
export const CHANNEL = 'C0CHAN';
export const THREAD_TS = '1718856800.000100';

export function newAdapter(): SlackAdapter {
  return new SlackAdapter({
    config: { botToken: 'xoxb-test', signingSecret: SIGNING_SECRET, apiUrl: `${SLACK_API}/api/` },
    logger: silentLogger(),
  });
}

/** A Web API mock; bodies arrive form-encoded, so tests read them with `form()`. */
export function slackApi(): nock.Scope {
  return nock(SLACK_API);
}

/** A form-encoded Web API body as fields: nock hands matchers an object, reply callbacks the raw text. */
export function form(body: unknown): Record<string, string> {
  if (typeof body === 'string') return Object.fromEntries(new URLSearchParams(body));
  return Object.fromEntries(Object.entries(body as object).map(([key, value]) => [key, String(value)]));
}

/** The auth.test answer Bolt needs once, at start, to learn the bot's own ids. */
export function mockAuthTest(): nock.Scope {
  return slackApi()
    .post('/api/auth.test')
    .reply(200, { ok: true, user_id: BOT.userId, bot_id: BOT.botId, team_id: 'T0TEAM', user: 'puente' });
}

export function mockUserInfo(userId: string, profile: { display_name?: string; real_name?: string }): nock.Scope {
  return slackApi()
    .post('/api/users.info', (body: unknown) => form(body).user === userId)
    .reply(200, { ok: true, user: { id: userId, name: userId.toLowerCase(), profile } });
}

let eventCounter = 0;

/** An Events API `event_callback` envelope as Slack sends it to this app. */
export function envelope(event: Record<string, unknown>, eventId = `Ev${++eventCounter}`): Record<string, unknown> {
  return {
    token: 'legacy',
    team_id: 'T0TEAM',
    api_app_id: BOT.appId,
    event: { event_ts: event.ts ?? '1718856900.000200', ...event },
    type: 'event_callback',
    event_id: eventId,
    event_time: 1718856900,
    authorizations: [{ team_id: 'T0TEAM', user_id: BOT.userId, is_bot: true, is_enterprise_install: false }],
  };
}

/** A human reply in the bridged thread. */
export function threadReply(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'message',
    channel: CHANNEL,
    user: 'U0AGENT',
    text: 'Hola',
    ts: '1718856900.000200',
    thread_ts: THREAD_TS,
    parent_user_id: BOT.userId,
    channel_type: 'channel',
    ...fields,
  };
}

/** Slack's `v0` request signature over `v0:<timestamp>:<raw body>`. */
export function slackSignature(rawBody: string, timestamp: number, secret = SIGNING_SECRET): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** Handlers that record what the adapter delivers; `fail` makes the next calls throw. */
export class RecordingHandlers implements ChatHandlers {
  readonly messages: AgentMessage[] = [];
  readonly reactions: AgentReaction[] = [];
  readonly changes: AgentChange[] = [];
  readonly commands: ChatCommand[] = [];
  /** What `onCommand` answers; a function may wait, to test slow commands. */
  commandReply: (command: ChatCommand) => Promise<CommandReply> = async (command) => ({ text: `ran ${command.name}`, visibility: 'private' });
  fail = false;

  async onAgentMessage(message: AgentMessage): Promise<void> {
    this.check();
    this.messages.push(message);
  }
  async onAgentReaction(reaction: AgentReaction): Promise<void> {
    this.check();
    this.reactions.push(reaction);
  }
  async onAgentChange(change: AgentChange): Promise<void> {
    this.check();
    this.changes.push(change);
  }
  async onCommand(command: ChatCommand): Promise<CommandReply> {
    this.check();
    this.commands.push(command);
    return this.commandReply(command);
  }
  async onThreadMenu(): Promise<{ text: string; actions: ThreadAction[] }> {
    return { text: 'actions', actions: [{ id: 'block', label: 'Block', command: 'block', text: '' }] };
  }
  get count(): number {
    return this.messages.length + this.reactions.length + this.changes.length + this.commands.length;
  }
  private check(): void {
    if (this.fail) throw new Error('store unavailable');
  }
}

/** The bridge's HTTP server with the adapter's routes, on a free port. */
export async function serveAdapter(adapter: SlackAdapter): Promise<{ url: string; close: () => Promise<void> }> {
  const server = new HttpServer(silentLogger());
  server.add(...adapter.routes());
  const port = await server.listen(0, '127.0.0.1');
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}

export interface SendOptions {
  secret?: string;
  timestamp?: number;
  headers?: Record<string, string>;
  contentType?: string;
}

/** POSTs a body to `/slack/events`, signed as Slack would unless told otherwise. */
export async function sendToSlackEndpoint(baseUrl: string, body: unknown, options: SendOptions = {}): Promise<Response> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return fetch(`${baseUrl}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': options.contentType ?? 'application/json',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': slackSignature(raw, timestamp, options.secret),
      ...options.headers,
    },
    body: raw,
  });
}
