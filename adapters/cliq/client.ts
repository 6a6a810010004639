/**
 * The Cliq REST API through axios: base URL per data centre, `Authorization: Zoho-oauthtoken …`,
 * one refresh-and-retry on 401, every call paced (pacer.ts), failures mapped for the core:
 * throttling, 5xx and network errors → `RetryableChatError`; anything else → `CliqApiError`.
 * Errors are rebuilt from status and Cliq's code only, never from axios' error (it holds the token).
 */
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, type ResponseType } from 'axios';
import { RetryableChatError } from '../../bot/chat-adapter.js';
import type { CliqTokens } from './oauth.js';
import type { CliqPacer } from './pacer.js';
import { CLIQ_LOCK_MS, isThrottled, type RateClass } from './unconfirmed.js';

export class CliqApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'CliqApiError';
  }
}

export interface CliqRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  params?: Record<string, string>;
  data?: unknown;
  headers?: Record<string, string>;
  responseType?: ResponseType;
  rate: readonly RateClass[];
}

export interface CliqResponse<T> {
  status: number;
  data: T;
  headers: Record<string, unknown>;
}

export class CliqClient {
  private readonly http: AxiosInstance;

  constructor(
    readonly apiUrl: string,
    private readonly tokens: CliqTokens,
    private readonly pacer: CliqPacer,
  ) {
    this.http = axios.create({
      baseURL: apiUrl,
      timeout: 30_000,
      httpAgent: new http.Agent({ keepAlive: true }),
      httpsAgent: new https.Agent({ keepAlive: true }),
      // A redirect could carry the token to another host.
      maxRedirects: 0,
      maxBodyLength: Number.POSITIVE_INFINITY,
      maxContentLength: Number.POSITIVE_INFINITY,
      validateStatus: () => true,
    });
  }

  async call<T = Record<string, unknown>>(request: CliqRequest): Promise<CliqResponse<T>> {
    const what = `Cliq ${request.method} ${request.path}`;
    for (let attempt = 1; ; attempt++) {
      await this.pacer.acquire(request.rate);
      const token = await this.tokens.get();
      let response;
      try {
        response = await this.http.request({
          method: request.method,
          url: request.path,
          params: request.params,
          data: request.data,
          responseType: request.responseType ?? 'json',
          headers: { ...request.headers, Authorization: `Zoho-oauthtoken ${token}` },
        });
      } catch (error) {
        throw new RetryableChatError(`${what} failed: ${axios.isAxiosError(error) ? (error.code ?? 'network error') : 'network error'}`);
      }
      const { status } = response;
      if (status === 401 && attempt === 1) {
        destroyStream(response.data);
        this.tokens.invalidate(token);
        continue;
      }
      if (status >= 200 && status < 300) return { status, data: response.data as T, headers: response.headers as Record<string, unknown> };
      const body = request.responseType === 'stream' ? await readSmall(response.data) : response.data;
      if (isThrottled(status, body)) {
        const retryAfterMs = retryAfterHeaderMs(response.headers['retry-after']) ?? CLIQ_LOCK_MS;
        this.pacer.lockout(retryAfterMs);
        throw new RetryableChatError(`${what} throttled (HTTP ${status})`, retryAfterMs);
      }
      const code = errorCode(body);
      const message = `${what} answered HTTP ${status}${code ? ` ${code}` : ''}`;
      if (status >= 500 || status === 408) throw new RetryableChatError(message, retryAfterHeaderMs(response.headers['retry-after']));
      throw new CliqApiError(status, code, message);
    }
  }
}

function errorCode(body: unknown): string | undefined {
  if (body && typeof body === 'object') {
    const { code, message } = body as { code?: unknown; message?: unknown };
    if (typeof code === 'string') return code;
    if (typeof message === 'string') return message.slice(0, 200);
  }
  return typeof body === 'string' && body.length > 0 ? body.slice(0, 200) : undefined;
}

function retryAfterHeaderMs(value: unknown): number | undefined {
  const seconds = Number.parseInt(String(value ?? ''), 10);
  return Number.isNaN(seconds) ? undefined : seconds * 1000;
}

function destroyStream(data: unknown): void {
  if (data && typeof (data as { destroy?: unknown }).destroy === 'function') (data as { destroy(): void }).destroy();
}

/** The first few KB of an error body that came as a stream (to recognise throttling and codes). */
async function readSmall(data: unknown): Promise<unknown> {
  if (!data || typeof (data as AsyncIterable<Buffer>)[Symbol.asyncIterator] !== 'function') return data;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of data as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > 8192) break;
  }
  destroyStream(data);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
