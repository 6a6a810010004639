/**
 * Delivers Events API requests to the bridge as Slack does: the `event_callback` envelope
 * (reference slack.md §5), signed with `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret,
 * "v0:<timestamp>:<body>")>` and `X-Slack-Request-Timestamp` (§2). Envelopes are kept so a test can
 * redeliver one with `X-Slack-Retry-Num` / `X-Slack-Retry-Reason`, as Slack's retries do (§6).
 * No automatic retries: Slack's schedule (minutes apart) is useless in tests; use `redeliver`.
 */
import { randomBytes } from 'node:crypto';
import { hmacSha256Hex } from '../shared/hmac.js';
import { postBytes } from '../shared/outbound-post.js';
import type { BoundedLog } from '../shared/bounded-log.js';
import type { BotIdentity } from './method-context.js';
import type { EventDeliveryRecord } from './types.js';

export interface EventsApiConfig {
  signingSecret: string;
  eventsUrl: () => string | undefined;
  timeoutMs: number;
  bot: BotIdentity;
  verificationToken: string;
  log: BoundedLog<EventDeliveryRecord>;
  maxStoredEnvelopes: number;
  onDelivered: (record: EventDeliveryRecord) => void;
}

interface StoredEnvelope {
  eventType: string;
  body: string;
}

let eventCounter = 0;

/** Event ids look like `Ev08MFMKH6J7`: `Ev` + uppercase alphanumerics. */
function newEventId(): string {
  eventCounter += 1;
  return `Ev0${randomBytes(4).readUInt32BE().toString(36).toUpperCase()}${eventCounter.toString(36).toUpperCase()}`;
}

export class EventsApi {
  private readonly envelopes = new Map<string, StoredEnvelope>();

  constructor(private readonly config: EventsApiConfig) {}

  /** `v0=<hex>` for this timestamp and body. */
  sign(timestamp: string | number, body: string): string {
    return `v0=${hmacSha256Hex(this.config.signingSecret, `v0:${timestamp}:${body}`)}`;
  }

  /** Wraps `event` in an `event_callback` envelope, stores it and POSTs it. */
  async send(event: Record<string, unknown>): Promise<EventDeliveryRecord> {
    const eventId = newEventId();
    const { bot } = this.config;
    const envelope = {
      token: this.config.verificationToken,
      team_id: bot.teamId,
      context_team_id: bot.teamId,
      context_enterprise_id: null,
      api_app_id: bot.appId,
      event,
      type: 'event_callback',
      event_id: eventId,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ enterprise_id: null, team_id: bot.teamId, user_id: bot.botUserId, is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
      event_context: `4-${Buffer.from(JSON.stringify({ et: event.type, tid: bot.teamId, aid: bot.appId, cid: event.channel })).toString('base64url')}`,
    };
    const stored = { eventType: eventTypeOf(event), body: JSON.stringify(envelope) };
    this.remember(eventId, stored);
    return this.post(eventId, stored, 0);
  }

  /** Re-sends a stored envelope byte for byte (freshly signed), flagged as Slack retry `retryNum`. */
  redeliver(eventId: string, retryNum: number, reason = 'http_timeout'): Promise<EventDeliveryRecord> {
    const stored = this.envelopes.get(eventId);
    if (!stored) throw new Error(`SlackEmulator: no stored event ${eventId} (too old, or never sent)`);
    return this.post(eventId, stored, retryNum, reason);
  }

  envelope(eventId: string): Record<string, unknown> | undefined {
    const stored = this.envelopes.get(eventId);
    return stored ? (JSON.parse(stored.body) as Record<string, unknown>) : undefined;
  }

  /** POSTs arbitrary bytes to the events URL (bad-signature and stale-timestamp tests). */
  async postRaw(
    body: string,
    options: { contentType?: string; timestamp?: string | number; signature?: string | null; headers?: Record<string, string> },
  ): Promise<{ status: number; responseBody: string }> {
    const url = this.config.eventsUrl();
    if (url === undefined) throw new Error('SlackEmulator: eventsUrl is not set');
    const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = {
      'content-type': options.contentType ?? 'application/json',
      'x-slack-request-timestamp': timestamp,
      ...options.headers,
    };
    const signature = options.signature === undefined ? this.sign(timestamp, body) : options.signature;
    if (signature !== null) headers['x-slack-signature'] = signature;
    const outcome = await postBytes(url, headers, Buffer.from(body, 'utf8'), this.config.timeoutMs);
    return { status: outcome.status, responseBody: outcome.body };
  }

  clear(): void {
    this.envelopes.clear();
  }

  private remember(eventId: string, stored: StoredEnvelope): void {
    this.envelopes.set(eventId, stored);
    if (this.envelopes.size > this.config.maxStoredEnvelopes) this.envelopes.delete(this.envelopes.keys().next().value as string);
  }

  private async post(eventId: string, stored: StoredEnvelope, retryNum: number, retryReason?: string): Promise<EventDeliveryRecord> {
    const url = this.config.eventsUrl();
    const record: EventDeliveryRecord = { eventId, eventType: stored.eventType, retryNum, ...(retryReason ? { retryReason } : {}), status: 0, body: stored.body, at: new Date().toISOString() };
    if (url === undefined) {
      record.error = 'no eventsUrl configured';
    } else {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
        'x-slack-request-timestamp': timestamp,
        'x-slack-signature': this.sign(timestamp, stored.body),
      };
      if (retryNum > 0) {
        headers['x-slack-retry-num'] = String(retryNum);
        headers['x-slack-retry-reason'] = retryReason ?? 'http_timeout';
      }
      const outcome = await postBytes(url, headers, Buffer.from(stored.body, 'utf8'), this.config.timeoutMs);
      record.status = outcome.status;
      if (outcome.error) record.error = outcome.error;
      if (outcome.body) record.responseBody = outcome.body;
    }
    this.config.log.push(record);
    this.config.onDelivered(record);
    return record;
  }
}

function eventTypeOf(event: Record<string, unknown>): string {
  return typeof event.subtype === 'string' ? `${String(event.type)}/${event.subtype}` : String(event.type);
}
