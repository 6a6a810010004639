/**
 * Slack Web API failures → what the core understands. Transient failures (rate limits, Slack's 5xx,
 * network) become `RetryableChatError` so the core's durable queue does the waiting; the web client
 * itself is configured not to retry or queue, so a restart never loses a retry held in memory.
 */
import { webApi } from '@slack/bolt';
import { RetryableChatError } from '../../bot/chat-adapter.js';

/** A non-retryable Slack API answer (`ok: false`), with Slack's error code (`channel_not_found`, …). */
export class SlackApiError extends Error {
  constructor(
    readonly method: string,
    readonly slackError: string,
    options?: { cause?: unknown },
  ) {
    super(`Slack ${method} failed: ${slackError}`, options);
    this.name = 'SlackApiError';
  }
}

/** `ok: false` codes that mean "try again later" rather than "this request is wrong". */
const TRANSIENT_PLATFORM_ERRORS = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

/** Runs one Web API call, translating its failure. */
export async function callSlack<T>(method: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toChatError(method, error);
  }
}

export function toChatError(method: string, error: unknown): Error {
  const cause = { cause: error };
  if (error instanceof webApi.WebAPIRateLimitedError) {
    return new RetryableChatError(`Slack ${method} rate limited`, error.retryAfter * 1000, cause);
  }
  if (error instanceof webApi.WebAPIRequestError) {
    return new RetryableChatError(`Slack ${method} request failed: ${error.original.message}`, undefined, cause);
  }
  if (error instanceof webApi.WebAPIHTTPError) {
    const transient = error.statusCode >= 500 || error.statusCode === 408;
    const message = `Slack ${method} answered HTTP ${error.statusCode}`;
    return transient ? new RetryableChatError(message, retryAfterHeaderMs(error.headers), cause) : new Error(message, cause);
  }
  if (error instanceof webApi.WebAPIPlatformError) {
    const code = error.data.error ?? 'unknown_error';
    if (!TRANSIENT_PLATFORM_ERRORS.has(code)) return new SlackApiError(method, code, cause);
    const retryAfterSec = error.data.response_metadata?.retryAfter;
    return new RetryableChatError(`Slack ${method} failed: ${code}`, retryAfterSec ? retryAfterSec * 1000 : undefined, cause);
  }
  // The web client answers a 429 that lacks a usable Retry-After with a plain Error.
  if (error instanceof Error && error.message.startsWith('Retry header did not contain a valid timeout')) {
    return new RetryableChatError(`Slack ${method} rate limited`, undefined, cause);
  }
  return error instanceof Error ? error : new Error(`Slack ${method} failed: ${String(error)}`);
}

function retryAfterHeaderMs(headers: Record<string, string>): number | undefined {
  const seconds = Number.parseInt(headers['retry-after'] ?? '', 10);
  return Number.isNaN(seconds) ? undefined : seconds * 1000;
}

/** True when a Slack call failed with one of `codes` (used to tolerate idempotent repeats). */
export function isSlackError(error: unknown, ...codes: string[]): boolean {
  return error instanceof SlackApiError && codes.includes(error.slackError);
}
