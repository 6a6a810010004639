/**
 * Zoho OAuth2 refresh-token flow (reference zoho-cliq.md §2). One access token is cached until
 * shortly before it expires; refreshes are single-flight (Zoho allows ≤ 5 refreshes a minute and
 * ≤ 30 live access tokens per refresh token). A 401 from Cliq invalidates the token it was sent with.
 * Tokens never reach a log line or an error message: failures are rebuilt from status and code only.
 */
import axios, { type AxiosInstance } from 'axios';
import { RetryableChatError } from '../../bot/chat-adapter.js';

/** Refresh this long before Zoho's `expires_in` runs out. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

export interface CliqTokenOptions {
  accountsUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  now?: () => number;
}

export class CliqTokens {
  private token?: { value: string; expiresAt: number };
  private refreshing?: Promise<string>;
  private readonly http: AxiosInstance;
  private readonly now: () => number;

  constructor(private readonly options: CliqTokenOptions) {
    this.now = options.now ?? Date.now;
    this.http = axios.create({ baseURL: options.accountsUrl, timeout: 30_000, validateStatus: () => true, maxRedirects: 0 });
  }

  /** A valid access token, refreshed when missing or close to expiry. */
  async get(): Promise<string> {
    if (this.token && this.token.expiresAt - REFRESH_MARGIN_MS > this.now()) return this.token.value;
    this.refreshing ??= this.refresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** Cliq refused `value` (401): the next `get` refreshes, unless another call already did. */
  invalidate(value: string): void {
    if (this.token?.value === value) this.token = undefined;
  }

  private async refresh(): Promise<string> {
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: this.options.refreshToken,
      client_id: this.options.clientId,
      client_secret: this.options.clientSecret,
    });
    let response;
    try {
      response = await this.http.post('/oauth/v2/token', form.toString(), { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    } catch (error) {
      // The axios error holds the request body (the refresh token): only its code goes on.
      throw new RetryableChatError(`Zoho token refresh failed: ${axios.isAxiosError(error) ? (error.code ?? 'network error') : 'network error'}`);
    }
    const body = (response.data ?? {}) as { access_token?: unknown; expires_in?: unknown; error?: unknown };
    if (response.status >= 500 || response.status === 429) throw new RetryableChatError(`Zoho token refresh answered HTTP ${response.status}`);
    // Zoho answers a bad refresh token or client with HTTP 200 and `{ "error": "invalid_code" }`.
    if (response.status !== 200 || typeof body.access_token !== 'string' || body.access_token === '') {
      const code = typeof body.error === 'string' ? body.error : `HTTP ${response.status}`;
      if (code === 'Access Denied' || /too many requests/i.test(code)) throw new RetryableChatError(`Zoho token refresh refused: ${code}`, 60_000);
      throw new Error(`Zoho token refresh failed: ${code} (check CLIQ_CLIENT_ID, CLIQ_CLIENT_SECRET, CLIQ_REFRESH_TOKEN and CLIQ_DATA_CENTRE)`);
    }
    const expiresInSec = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600;
    this.token = { value: body.access_token, expiresAt: this.now() + expiresInSec * 1000 };
    return body.access_token;
  }
}
