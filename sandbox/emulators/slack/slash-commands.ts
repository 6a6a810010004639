/**
 * Slash commands as Slack delivers them (reference slack.md §4): a form-encoded POST to the app's
 * request URL, signed like events, carrying `command`, `text`, `user_id`, `channel_id`,
 * `response_url`, `trigger_id`… and no `thread_ts` (Slack refuses slash commands inside threads,
 * §4.2). The app answers in two ways, both recorded as command responses:
 *   - in the HTTP answer itself (Bolt's `ack(text | message)`): JSON or plain text;
 *   - later, by POSTing JSON to `response_url` (Bolt's `respond()`), which this module serves at
 *     `POST /commands/response/<id>`.
 * A response is `ephemeral` (only the invoker sees it) unless it says `response_type: in_channel`,
 * in which case it is posted in the channel as the app.
 */
import { randomBytes } from 'node:crypto';
import { jsonResponse, type EmulatorRequest, type EmulatorResponse } from '../shared/loopback-server.js';
import { parseRequestBody } from '../shared/request-body.js';
import type { BoundedLog } from '../shared/bounded-log.js';
import { botProfile } from './message-factory.js';
import type { MethodContext } from './method-context.js';
import type { CommandResponseRecord, SlackMessage, SlashCommandInput, SlashCommandRecord } from './types.js';

export const RESPONSE_URL_PREFIX = '/commands/response/';

/** "up to 5 times within 30 minutes" (reference §3, quoting Slack's documentation). */
const MAX_RESPONSES = 5;
const RESPONSE_URL_LIFETIME_MS = 30 * 60 * 1000;

export interface SlashCommandsConfig {
  context: Omit<MethodContext, 'echo'>;
  /** Signs and POSTs a body to the app's request URL (the events URL: Bolt serves both there). */
  post: (body: string, contentType: string) => Promise<{ status: number; responseBody: string }>;
  commandLog: BoundedLog<SlashCommandRecord>;
  responseLog: BoundedLog<CommandResponseRecord>;
  onCommand: (record: SlashCommandRecord) => void;
  onResponse: (record: CommandResponseRecord) => void;
}

interface OpenResponseUrl {
  record: SlashCommandRecord;
  uses: number;
  expiresAt: number;
}

let commandCounter = 0;

export class SlashCommands {
  private readonly open = new Map<string, OpenResponseUrl>();

  constructor(private readonly config: SlashCommandsConfig) {}

  /** Delivers the command to the app and records what it answered. */
  async invoke(input: SlashCommandInput): Promise<SlashCommandRecord> {
    const { context } = this.config;
    const channel = context.workspace.channel(input.channel);
    const command = input.command.startsWith('/') ? input.command : `/${input.command}`;
    const id = newCommandId();
    const responseUrl = `${context.baseUrl()}${RESPONSE_URL_PREFIX}${id}`;
    const triggerId = `${Date.now()}.${randomDigits(12)}.${randomBytes(16).toString('hex')}`;
    // Field order and names as Slack sends them (Bolt's `SlashCommand` type).
    const fields: Record<string, string> = {
      token: 'emulated-verification-token',
      team_id: context.bot.teamId,
      team_domain: 'emulated',
      channel_id: channel.id,
      channel_name: channel.name,
      user_id: input.user,
      user_name: context.users.get(input.user)?.name ?? input.user,
      command,
      text: input.text ?? '',
      api_app_id: context.bot.appId,
      is_enterprise_install: 'false',
      response_url: responseUrl,
      trigger_id: triggerId,
    };
    const record: SlashCommandRecord = {
      id,
      command,
      text: fields.text!,
      channel: channel.id,
      user: input.user,
      responseUrl,
      triggerId,
      status: 0,
      at: new Date().toISOString(),
    };
    this.open.set(id, { record, uses: 0, expiresAt: Date.now() + RESPONSE_URL_LIFETIME_MS });
    const answer = await this.config.post(new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded');
    record.status = answer.status;
    if (answer.responseBody) record.responseBody = answer.responseBody;
    this.config.commandLog.push(record);
    this.config.onCommand(record);
    if (answer.status === 200 && answer.responseBody.trim() !== '') this.recordResponse(record, 'ack', parseAnswer(answer.responseBody));
    return record;
  }

  /** `POST /commands/response/<id>`: the app's `respond()`. */
  async handleResponse(id: string, request: EmulatorRequest): Promise<EmulatorResponse> {
    const open = this.open.get(id);
    if (!open || Date.now() > open.expiresAt) {
      this.open.delete(id);
      // Slack's exact answer to an expired response_url is not documented; a 404 makes the failure visible.
      return jsonResponse(404, { ok: false, error: 'expired_url' });
    }
    if (open.uses >= MAX_RESPONSES) return jsonResponse(404, { ok: false, error: 'used_url' });
    const parsed = await parseRequestBody(request.headers['content-type'], request.body);
    if (parsed.kind !== 'json' || typeof parsed.value !== 'object' || parsed.value === null) {
      return jsonResponse(400, { ok: false, error: 'invalid_payload' });
    }
    open.uses += 1;
    this.recordResponse(open.record, 'response_url', parsed.value as Record<string, unknown>);
    return jsonResponse(200, { ok: true });
  }

  clear(): void {
    this.open.clear();
  }

  private recordResponse(command: SlashCommandRecord, via: CommandResponseRecord['via'], body: Record<string, unknown>): void {
    const inChannel = body.response_type === 'in_channel';
    const record: CommandResponseRecord = {
      commandId: command.id,
      command: command.command,
      channel: command.channel,
      user: command.user,
      via,
      responseType: inChannel ? 'in_channel' : 'ephemeral',
      text: typeof body.text === 'string' ? body.text : '',
      ...(Array.isArray(body.blocks) ? { blocks: body.blocks } : {}),
      at: new Date().toISOString(),
    };
    if (inChannel) record.messageTs = this.postInChannel(command.channel, record.text, body.blocks);
    this.config.responseLog.push(record);
    this.config.onResponse(record);
  }

  /** An `in_channel` response becomes a channel message by the app, visible to everyone. */
  private postInChannel(channel: string, text: string, blocks: unknown): string {
    const { context } = this.config;
    const { bot } = context;
    const message: SlackMessage = {
      type: 'message',
      text,
      user: bot.botUserId,
      ts: context.clock.next(),
      bot_id: bot.botId,
      app_id: bot.appId,
      team: bot.teamId,
      bot_profile: botProfile(bot),
      ...(Array.isArray(blocks) ? { blocks } : {}),
    };
    context.workspace.add(channel, message);
    context.emit('message', { channel, message: structuredClone(message), author: 'bot' });
    return message.ts;
  }
}

/** Bolt acks with JSON (`ack({text})`); Slack also accepts a plain-text body as the message text. */
function parseAnswer(body: string): Record<string, unknown> {
  try {
    const value = JSON.parse(body) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // plain text
  }
  return { text: body };
}

function newCommandId(): string {
  commandCounter += 1;
  return `${randomBytes(4).toString('hex')}${commandCounter.toString(36)}`;
}

function randomDigits(count: number): string {
  return Array.from({ length: count }, () => Math.floor(Math.random() * 10)).join('');
}
