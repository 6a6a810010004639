/**
 * Interactivity as Slack delivers it (reference slack.md §4.3): a form-encoded POST to the app's
 * request URL whose only field is `payload` (JSON), signed like events:
 *   - `block_actions` when someone presses a button of a message (or of an ephemeral message);
 *   - `message_action` when someone runs a message shortcut on a message;
 *   - `view_submission` when someone submits a modal the app opened with `views.open`.
 * Each carries a fresh `trigger_id` (for `views.open`); `block_actions` and `message_action` carry a
 * `response_url`, served here at `POST /interactions/response/<id>`, whose ephemeral answers are
 * recorded (in the thread the interaction came from) so a page can show them with their buttons.
 */
import { randomBytes } from 'node:crypto';
import { jsonResponse, type EmulatorRequest, type EmulatorResponse } from '../shared/loopback-server.js';
import { parseRequestBody } from '../shared/request-body.js';
import type { MethodContext } from './method-context.js';
import type { SlackMessage } from './types.js';

export const INTERACTION_RESPONSE_PREFIX = '/interactions/response/';

const MAX_RESPONSES = 5;
const RESPONSE_URL_LIFETIME_MS = 30 * 60 * 1000;
/** Slack's trigger ids expire after 3 seconds; the emulator is lenient (a slow bridge in tests). */
const TRIGGER_LIFETIME_MS = 60_000;
const MAX_RECORDS = 1000;

/** An answer posted to an interaction's `response_url` (ephemeral unless `in_channel`). */
export interface InteractionResponseRecord {
  /** A ts-like id, so the page can address it as a message (its buttons can be pressed). */
  ts: string;
  channel: string;
  threadTs?: string;
  user: string;
  responseType: 'ephemeral' | 'in_channel';
  text: string;
  blocks?: unknown[];
  at: string;
}

/** A modal the app opened with `views.open`. */
export interface ViewRecord {
  id: string;
  triggerId: string;
  /** Who the modal is open for (the user whose interaction gave the trigger id), if known. */
  user?: string;
  view: Record<string, unknown>;
  state: 'open' | 'submitted' | 'closed';
  /** HTTP status of the `view_submission` POST, once submitted. */
  submitStatus?: number;
  at: string;
}

export interface InteractivityConfig {
  context: Omit<MethodContext, 'echo'>;
  post: (body: string, contentType: string) => Promise<{ status: number; responseBody: string }>;
  onChange: () => void;
  /** An interactivity payload was POSTed to the app (or failed to be). */
  onDelivered: (record: { type: string; status: number }) => void;
}

interface OpenUrl {
  channel: string;
  threadTs?: string;
  user: string;
  uses: number;
  expiresAt: number;
}

let counter = 0;
const nextId = (): string => `${randomBytes(3).toString('hex')}${(++counter).toString(36)}`;

export class Interactivity {
  private readonly urls = new Map<string, OpenUrl>();
  private readonly triggers = new Map<string, { user: string; expiresAt: number }>();
  private readonly responseLog: InteractionResponseRecord[] = [];
  private readonly viewLog: ViewRecord[] = [];

  constructor(private readonly config: InteractivityConfig) {}

  responses(): InteractionResponseRecord[] {
    return structuredClone(this.responseLog);
  }

  views(): ViewRecord[] {
    return structuredClone(this.viewLog);
  }

  clear(): void {
    this.urls.clear();
    this.triggers.clear();
    this.responseLog.length = 0;
    this.viewLog.length = 0;
  }

  /** A button press on a channel message or on an ephemeral answer recorded here. */
  async pressButton(input: { channel: string; ts: string; user: string; actionId: string }): Promise<number> {
    const { context } = this.config;
    const channel = context.workspace.channel(input.channel);
    const message = context.workspace.message(channel.id, input.ts);
    const ephemeral = message ? undefined : this.responseLog.find((record) => record.ts === input.ts && record.channel === channel.id);
    const blocks = (message?.blocks ?? ephemeral?.blocks ?? []) as { type?: string; block_id?: string; elements?: Record<string, unknown>[] }[];
    let found: { block: (typeof blocks)[number]; element: Record<string, unknown> } | undefined;
    for (const block of blocks) {
      const element = block.type === 'actions' ? block.elements?.find((candidate) => candidate.action_id === input.actionId) : undefined;
      if (element) found = { block, element };
    }
    if (!found) throw new Error(`SlackEmulator: no button ${input.actionId} on message ${input.ts}`);
    const threadTs = message ? (message.thread_ts ?? message.ts) : ephemeral?.threadTs;
    const payload: Record<string, unknown> = {
      type: 'block_actions',
      user: this.user(input.user),
      api_app_id: context.bot.appId,
      token: 'emulated-verification-token',
      container: { type: 'message', message_ts: input.ts, channel_id: channel.id, is_ephemeral: !message, ...(message?.thread_ts ? { thread_ts: message.thread_ts } : {}) },
      trigger_id: this.trigger(input.user),
      team: { id: context.bot.teamId, domain: 'emulated' },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: channel.id, name: channel.name },
      ...(message ? { message: structuredClone(message) as SlackMessage } : {}),
      state: { values: {} },
      response_url: this.responseUrl({ channel: channel.id, user: input.user, ...(threadTs ? { threadTs } : {}) }),
      actions: [
        {
          type: found.element.type,
          block_id: found.block.block_id ?? 'actions',
          action_id: input.actionId,
          text: found.element.text,
          ...(found.element.value === undefined ? {} : { value: found.element.value }),
          ...(found.element.style === undefined ? {} : { style: found.element.style }),
          action_ts: actionTs(),
        },
      ],
    };
    return this.deliver(payload);
  }

  /** A message shortcut run on a channel message (or a reply in a thread). */
  async messageShortcut(input: { channel: string; ts: string; user: string; callbackId: string }): Promise<number> {
    const { context } = this.config;
    const channel = context.workspace.channel(input.channel);
    const message = context.workspace.message(channel.id, input.ts);
    if (!message) throw new Error(`SlackEmulator: no message ${input.ts} in ${input.channel}`);
    const threadTs = message.thread_ts ?? message.ts;
    const payload = {
      type: 'message_action',
      token: 'emulated-verification-token',
      action_ts: actionTs(),
      team: { id: context.bot.teamId, domain: 'emulated' },
      user: this.user(input.user),
      channel: { id: channel.id, name: channel.name },
      is_enterprise_install: false,
      enterprise: null,
      callback_id: input.callbackId,
      trigger_id: this.trigger(input.user),
      response_url: this.responseUrl({ channel: channel.id, user: input.user, threadTs }),
      message_ts: message.ts,
      message: structuredClone(message),
    };
    return this.deliver(payload);
  }

  /** `views.open`: records the modal for the user the trigger id was given to. */
  openView(triggerId: string, view: Record<string, unknown>): ViewRecord {
    const trigger = this.triggers.get(triggerId);
    const record: ViewRecord = {
      id: `V0${randomBytes(4).toString('hex').toUpperCase()}`,
      triggerId,
      ...(trigger && trigger.expiresAt > Date.now() ? { user: trigger.user } : {}),
      view: structuredClone(view),
      state: 'open',
      at: new Date().toISOString(),
    };
    this.viewLog.push(record);
    if (this.viewLog.length > MAX_RECORDS) this.viewLog.shift();
    this.config.onChange();
    return structuredClone(record);
  }

  /** The user submits an open modal; `values` maps block_id → action_id → typed text. */
  async submitView(input: { viewId: string; user: string; values: Record<string, Record<string, string>> }): Promise<number> {
    const record = this.viewLog.find((candidate) => candidate.id === input.viewId);
    if (!record || record.state !== 'open') throw new Error(`SlackEmulator: no open view ${input.viewId}`);
    const { context } = this.config;
    const values: Record<string, Record<string, { type: string; value: string }>> = {};
    for (const [blockId, actions] of Object.entries(input.values)) {
      values[blockId] = Object.fromEntries(Object.entries(actions).map(([actionId, value]) => [actionId, { type: 'plain_text_input', value }]));
    }
    const payload = {
      type: 'view_submission',
      team: { id: context.bot.teamId, domain: 'emulated' },
      user: this.user(input.user),
      api_app_id: context.bot.appId,
      token: 'emulated-verification-token',
      trigger_id: this.trigger(input.user),
      view: {
        ...record.view,
        id: record.id,
        team_id: context.bot.teamId,
        state: { values },
        hash: randomBytes(6).toString('hex'),
        app_id: context.bot.appId,
        bot_id: context.bot.botId,
      },
      response_urls: [],
      is_enterprise_install: false,
    };
    record.state = 'submitted';
    record.submitStatus = await this.deliver(payload);
    this.config.onChange();
    return record.submitStatus;
  }

  /** The user closes a modal without submitting (no `view_closed`: the bridge does not ask for it). */
  closeView(viewId: string): void {
    const record = this.viewLog.find((candidate) => candidate.id === viewId);
    if (record && record.state === 'open') record.state = 'closed';
    this.config.onChange();
  }

  /** `POST /interactions/response/<id>`: the app's `respond()`. */
  async handleResponse(id: string, request: EmulatorRequest): Promise<EmulatorResponse> {
    const open = this.urls.get(id);
    if (!open || Date.now() > open.expiresAt) {
      this.urls.delete(id);
      return jsonResponse(404, { ok: false, error: 'expired_url' });
    }
    if (open.uses >= MAX_RESPONSES) return jsonResponse(404, { ok: false, error: 'used_url' });
    const parsed = await parseRequestBody(request.headers['content-type'], request.body);
    if (parsed.kind !== 'json' || typeof parsed.value !== 'object' || parsed.value === null) return jsonResponse(400, { ok: false, error: 'invalid_payload' });
    open.uses += 1;
    const body = parsed.value as Record<string, unknown>;
    const { context } = this.config;
    const record: InteractionResponseRecord = {
      ts: context.clock.next(),
      channel: open.channel,
      ...(open.threadTs ? { threadTs: open.threadTs } : {}),
      user: open.user,
      responseType: body.response_type === 'in_channel' ? 'in_channel' : 'ephemeral',
      text: typeof body.text === 'string' ? body.text : '',
      ...(Array.isArray(body.blocks) ? { blocks: body.blocks } : {}),
      at: new Date().toISOString(),
    };
    this.responseLog.push(record);
    if (this.responseLog.length > MAX_RECORDS) this.responseLog.shift();
    this.config.onChange();
    return jsonResponse(200, { ok: true });
  }

  private async deliver(payload: Record<string, unknown>): Promise<number> {
    const answer = await this.config.post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
    this.config.onDelivered({ type: String(payload.type), status: answer.status });
    return answer.status;
  }

  private user(id: string): Record<string, unknown> {
    const known = this.config.context.users.get(id);
    return { id, username: known?.name ?? id, name: known?.name ?? id, team_id: this.config.context.bot.teamId };
  }

  private trigger(user: string): string {
    const id = `${Date.now()}.${Math.floor(Math.random() * 1e12)}.${randomBytes(16).toString('hex')}`;
    this.triggers.set(id, { user, expiresAt: Date.now() + TRIGGER_LIFETIME_MS });
    for (const [key, value] of this.triggers) if (value.expiresAt < Date.now()) this.triggers.delete(key);
    return id;
  }

  private responseUrl(target: Omit<OpenUrl, 'uses' | 'expiresAt'>): string {
    const id = nextId();
    this.urls.set(id, { ...target, uses: 0, expiresAt: Date.now() + RESPONSE_URL_LIFETIME_MS });
    return `${this.config.context.baseUrl()}${INTERACTION_RESPONSE_PREFIX}${id}`;
  }
}

function actionTs(): string {
  const now = Date.now();
  return `${Math.floor(now / 1000)}.${String(now % 1000).padStart(3, '0')}000`;
}
