/**
 * The Bot Connector REST calls Puente makes (create a channel conversation, send, update), with the
 * bot's token from a `TokenSource` (the Agents SDK's MSAL provider in production, a fixed token in
 * tests). Kept as plain `fetch` so every call is visible and interceptable; the SDK's `CloudAdapter`
 * makes the same requests (teams.md §2).
 *
 * Throttling (teams.md §7): every call first takes a slot from the pacer (adapters/teams/pacer.ts),
 * per conversation and per tenant. A 429 or 412 (Teams' throttling answers; the message was not
 * posted) holds that conversation for `Retry-After` (or an exponential backoff with jitter) and is
 * retried in place while the wait is short; a long wait, a 502, 504, other 5xx and network failures
 * become the core's `RetryableChatError` with Teams' `Retry-After`, so the core's durable queue does
 * the waiting and a restart never loses a retry held in memory.
 */
import { RetryableChatError } from '../../bot/chat-adapter.js';
import { TeamsPacer } from './pacer.js';

export type TokenSource = () => Promise<string>;

/** A Bot Connector answer that retrying will not fix (400, 401, 403, 404, 413 …). */
export class TeamsApiError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly detail: string,
  ) {
    super(`Teams ${operation} answered HTTP ${status}${detail ? `: ${detail}` : ''}`);
    this.name = 'TeamsApiError';
  }
}

/** Teams refused the call for throttling (429 / 412): nothing was posted, unlike a 502 or a timeout. */
export class TeamsThrottledError extends RetryableChatError {
  constructor(message: string, retryAfterMs?: number) {
    super(message, retryAfterMs);
    this.name = 'TeamsThrottledError';
  }
}

/** Statuses Microsoft asks bots to retry with backoff (rate-limit doc), plus the other 5xx. */
const RETRYABLE = new Set([408, 412, 429, 500, 502, 503, 504]);
/** Teams' throttling answers: the request was refused, so repeating it cannot post twice. */
const THROTTLED = new Set([412, 429]);
/** In-place attempts after a throttling answer before the wait goes to the core. */
const THROTTLE_RETRIES = 3;

export interface ConnectorActivity {
  type: 'message';
  text?: string;
  textFormat?: 'markdown' | 'plain' | 'xml';
  attachments?: { contentType: string; content?: unknown; contentUrl?: string; name?: string }[];
  summary?: string;
  channelData?: Record<string, unknown>;
  entities?: unknown[];
  id?: string;
}

export class BotConnector {
  constructor(
    private readonly token: TokenSource,
    private readonly appId: string,
    private readonly tenantId: string,
    private readonly pacer: TeamsPacer = new TeamsPacer(),
    private readonly timeoutMs = 30_000,
  ) {}

  /** Starts a new thread in a channel; answers the thread's root message id. */
  async createChannelThread(serviceUrl: string, channel: string, activity: ConnectorActivity): Promise<{ conversationId: string; rootId: string }> {
    const answer = await this.call<{ id?: string; activityId?: string }>('create conversation', channel, 'POST', serviceUrl, 'v3/conversations', {
      isGroup: true,
      bot: { id: `28:${this.appId}` },
      tenantId: this.tenantId,
      channelData: { channel: { id: channel }, tenant: { id: this.tenantId } },
      activity,
    });
    // The answer's `id` is `<channel>;messageid=<root>` (teams.md §2.2); `activityId` repeats the root.
    const rootId = answer.id?.split(';messageid=')[1] ?? answer.activityId;
    if (!rootId) throw new TeamsApiError('create conversation', 200, 'the answer named no message');
    return { conversationId: `${channel};messageid=${rootId}`, rootId };
  }

  /**
   * The personal (1:1) chat between the bot and a user (`29:…`), created or found (Teams answers the
   * same `a:…` id for the same user). Fails (403 / 404) when the app is not installed for the user.
   */
  async createPersonalConversation(serviceUrl: string, userMri: string): Promise<string> {
    const answer = await this.call<{ id?: string }>('create personal conversation', `personal:${userMri}`, 'POST', serviceUrl, 'v3/conversations', {
      isGroup: false,
      bot: { id: `28:${this.appId}` },
      members: [{ id: userMri }],
      tenantId: this.tenantId,
      channelData: { tenant: { id: this.tenantId } },
    });
    if (!answer.id) throw new TeamsApiError('create personal conversation', 200, 'the answer named no conversation');
    return answer.id;
  }

  /** Sends into a conversation (a thread: `<channel>;messageid=<root>`); the id, when Teams gives one. */
  async send(serviceUrl: string, conversationId: string, activity: ConnectorActivity): Promise<string | undefined> {
    const answer = await this.call<{ id?: string }>('send', conversationId, 'POST', serviceUrl, `v3/conversations/${encodeURIComponent(conversationId)}/activities`, activity);
    return answer.id || undefined;
  }

  async update(serviceUrl: string, conversationId: string, activityId: string, activity: ConnectorActivity): Promise<void> {
    await this.call('update', conversationId, 'PUT', serviceUrl, `v3/conversations/${encodeURIComponent(conversationId)}/activities/${encodeURIComponent(activityId)}`, {
      ...activity,
      id: activityId,
    });
  }

  /** Downloads an attachment the bot was sent (inline images), with the bot's token. */
  async download(url: string): Promise<Response> {
    const token = await this.bearer('download');
    let response: Response;
    try {
      response = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new RetryableChatError(`Teams download failed: ${(error as Error).message}`, undefined, { cause: error });
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw statusError('download', response, '');
    }
    return response;
  }

  private async bearer(operation: string): Promise<string> {
    try {
      return await this.token();
    } catch (error) {
      throw new RetryableChatError(`Teams ${operation}: no bot token (${(error as Error).message})`, undefined, { cause: error });
    }
  }

  /** One paced call; throttling answers are waited out and repeated here while the wait is short. */
  private async call<T>(operation: string, pace: string, method: 'POST' | 'PUT', serviceUrl: string, path: string, body: unknown): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      await this.pacer.acquire(pace);
      const token = await this.bearer(operation);
      const url = new URL(path, serviceUrl.endsWith('/') ? serviceUrl : `${serviceUrl}/`);
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        throw new RetryableChatError(`Teams ${operation} request failed: ${(error as Error).message}`, undefined, { cause: error });
      }
      const text = await response.text();
      if (!response.ok) {
        const error = statusError(operation, response, text);
        if (THROTTLED.has(response.status) && error instanceof RetryableChatError) {
          // Exponential backoff with jitter when Teams names no wait (rate-limit doc).
          const wait = error.retryAfterMs ?? Math.round(1000 * 2 ** attempt * (1 + Math.random() / 2));
          this.pacer.hold(pace, wait);
          if (attempt < THROTTLE_RETRIES && wait <= this.pacer.maxQueueMs) continue;
          throw new TeamsThrottledError(error.message, wait);
        }
        throw error;
      }
      return parsed<T>(text);
    }
  }
}

function parsed<T>(text: string): T {
  if (text.trim() === '') return {} as T; // "202 Accepted" without a body (teams.md §2.3)
  try {
    return JSON.parse(text) as T;
  } catch {
    return {} as T;
  }
}

export function statusError(operation: string, response: Response, text: string): Error {
  const detail = errorDetail(text);
  if (RETRYABLE.has(response.status)) {
    return new RetryableChatError(`Teams ${operation} answered HTTP ${response.status}${detail ? `: ${detail}` : ''}`, retryAfterMs(response.headers.get('retry-after')));
  }
  return new TeamsApiError(operation, response.status, detail);
}

function errorDetail(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: string; message?: string }; message?: string };
    return [parsed.error?.code, parsed.error?.message ?? parsed.message].filter(Boolean).join(': ');
  } catch {
    return text.slice(0, 200);
  }
}

/** `Retry-After` in seconds or as an HTTP date. */
export function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
