/**
 * The Graph API client: the only code that calls WhatsApp's Cloud API. Every call goes through
 * `request()`, so authentication, timeouts, keep-alive and the mapping of Graph errors to
 * `WhatsAppSendError` live in one place; media and template calls join here later.
 *
 * The access token is set once as a default header of this client's own axios instance and is
 * never logged: failures are logged by code, HTTP status and fbtrace_id only, and errors handed
 * to the core carry no axios config (which would contain the header).
 */
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, type AxiosRequestConfig } from 'axios';
import type { Customer, MessageTemplate } from '../../bot/types.js';
import type { Logger } from '../../bot/logger.js';
import { WhatsAppSendError, type MediaDownload, type MediaUpload, type SendOptions, type SendPayload, type WhatsAppPort } from '../../bot/whatsapp-port.js';
import type { WhatsAppConfig } from '../../config/types.js';
import { classifySendFailure, type GraphErrorBody } from './errors.js';
import { GraphMedia } from './graph-media.js';
import { parseTemplatePage, TEMPLATE_LIST_FIELDS, TEMPLATE_LIST_MAX_PAGES, templateObject } from './templates.js';

/** Sends are tiny JSON posts; a Graph call slower than this is treated as failed and retried. */
export const DEFAULT_GRAPH_TIMEOUT_MS = 15_000;

export interface GraphClientOptions {
  timeoutMs?: number;
}

/** The request body of `POST /{phone-number-id}/messages` (reference §4). */
export type SendMessageBody = Record<string, unknown> & { messaging_product: 'whatsapp'; type: string };

const URL_IN_TEXT = /\bhttps?:\/\/\S|\bwww\.\S+\.\S/i;

/**
 * Builds the Cloud API body for one send. `to` is `+<wa_id>`: without the `+` WhatsApp prepends
 * the business number's country code. Customers known only by a business-scoped user id are
 * addressed with `recipient` instead.
 */
export function buildSendBody(customer: Customer, payload: SendPayload, options: SendOptions = {}): SendMessageBody {
  const type = payload.type === 'media' ? payload.kind : payload.type;
  const body: SendMessageBody = { messaging_product: 'whatsapp', recipient_type: 'individual', type };
  if (customer.waId) body.to = customer.waId.startsWith('+') ? customer.waId : `+${customer.waId}`;
  else if (customer.userId) body.recipient = customer.userId;
  else throw new WhatsAppSendError('WhatsApp send impossible: the customer has no wa_id or user id', 'final', {
    code: 0,
    message: 'customer has no WhatsApp id',
  });

  switch (payload.type) {
    case 'text':
      // WhatsApp previews only the first URL, and only when asked to.
      body.text = { body: payload.text, preview_url: URL_IN_TEXT.test(payload.text) };
      if (payload.quotedWamid) body.context = { message_id: payload.quotedWamid };
      break;
    case 'reaction':
      // A reaction cannot be a contextual reply; an empty emoji removes it.
      body.reaction = { message_id: payload.targetWamid, emoji: payload.emoji };
      break;
    case 'template':
      body.template = templateObject(payload.template);
      break;
    case 'media':
      // Sent by uploaded id; audio and stickers take no caption, and only documents a file name.
      body[payload.kind] = {
        id: payload.mediaId,
        ...(payload.caption && payload.kind !== 'audio' && payload.kind !== 'sticker' ? { caption: payload.caption } : {}),
        ...(payload.kind === 'document' && payload.filename ? { filename: payload.filename } : {}),
      };
      break;
  }
  if (options.callbackData !== undefined) body.biz_opaque_callback_data = options.callbackData;
  return body;
}

export class GraphClient implements WhatsAppPort {
  private readonly http: AxiosInstance;
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent = new https.Agent({ keepAlive: true });
  private readonly logger?: Logger;
  private readonly media: GraphMedia;

  constructor(
    config: Pick<WhatsAppConfig, 'accessToken' | 'apiUrl' | 'apiVersion'>,
    logger?: Logger,
    options: GraphClientOptions = {},
  ) {
    this.logger = logger;
    const apiUrl = config.apiUrl.replace(/\/+$/, '');
    const apiVersion = config.apiVersion.replace(/^\/+|\/+$/g, '');
    this.http = axios.create({
      baseURL: `${apiUrl}/${apiVersion}`,
      timeout: options.timeoutMs ?? DEFAULT_GRAPH_TIMEOUT_MS,
      headers: { Authorization: `Bearer ${config.accessToken}`, 'Content-Type': 'application/json' },
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      // The Graph API does not redirect; following one could carry the token elsewhere.
      maxRedirects: 0,
    });
    this.media = new GraphMedia(this.http, (method, path, data, log, extra) => this.request(method, path, data, log, extra), apiUrl);
  }

  async send(numberId: string, customer: Customer, payload: SendPayload, options: SendOptions = {}): Promise<{ wamid: string }> {
    const body = buildSendBody(customer, payload, options);
    const data = await this.request<{ messages?: { id?: unknown }[] }>('POST', `/${encodeURIComponent(numberId)}/messages`, body, {
      numberId,
      operation: `send ${payload.type}`,
    });
    const wamid = data?.messages?.[0]?.id;
    if (typeof wamid !== 'string' || wamid === '') {
      // Accepted but unidentifiable. Retrying risks a duplicate; not retrying risks a lost reply,
      // and the bridge prefers the duplicate (reference §7, last row).
      throw new WhatsAppSendError('WhatsApp accepted the send but returned no message id', 'retry', {
        code: 0,
        message: 'response without messages[0].id',
      });
    }
    return { wamid };
  }

  /** Every template of the account, following Graph's cursor paging. */
  async listTemplates(businessAccountId: string): Promise<MessageTemplate[]> {
    const templates: MessageTemplate[] = [];
    let after: string | undefined;
    for (let page = 0; page < TEMPLATE_LIST_MAX_PAGES; page++) {
      const query = new URLSearchParams({ fields: TEMPLATE_LIST_FIELDS, limit: '100', ...(after ? { after } : {}) });
      const data = await this.request<unknown>('GET', `/${encodeURIComponent(businessAccountId)}/message_templates?${query}`, undefined, {
        numberId: businessAccountId,
        operation: 'list templates',
      });
      const parsed = parseTemplatePage(data);
      templates.push(...parsed.templates);
      after = parsed.after;
      if (!after) break;
    }
    return templates;
  }

  /** Marks an inbound message (and the ones before it) as read: blue ticks for the customer. */
  async markRead(numberId: string, wamid: string): Promise<void> {
    await this.request('POST', `/${encodeURIComponent(numberId)}/messages`, {
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: wamid,
    }, { numberId, operation: 'mark read' });
  }

  /** A customer's media as a stream (webhook URL, or a fresh one from the media id): see graph-media.ts. */
  openMedia(numberId: string, media: { mediaId: string; url?: string }, options: { maxBytes?: number } = {}): Promise<MediaDownload> {
    return this.media.open(numberId, media, options.maxBytes);
  }

  /** Uploads a file from disk as media of `numberId` (multipart, streamed). */
  uploadMedia(numberId: string, file: MediaUpload): Promise<{ mediaId: string }> {
    return this.media.upload(numberId, file);
  }

  /** Frees the keep-alive sockets (shutdown, tests). */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /** One Graph call; any failure becomes a classified `WhatsAppSendError`. */
  private async request<T>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    data: unknown,
    log: { numberId: string; operation: string },
    extra: AxiosRequestConfig = {},
  ): Promise<T> {
    try {
      const response = await this.http.request<T>({ ...extra, method, url: path, data });
      return response.data;
    } catch (err) {
      const failure = toSendError(err);
      this.logger?.warn(
        {
          numberId: log.numberId,
          operation: log.operation,
          httpStatus: failure.httpStatus,
          code: failure.info.code,
          action: failure.action,
          fbtraceId: graphErrorOf(err)?.fbtrace_id,
        },
        'WhatsApp Graph API call failed',
      );
      throw failure;
    }
  }
}

/** The Graph error object inside a failed response, when there is one. */
function graphErrorOf(err: unknown): GraphErrorBody | undefined {
  if (!axios.isAxiosError(err)) return undefined;
  const data: unknown = err.response?.data;
  if (typeof data !== 'object' || data === null) return undefined;
  const error = (data as { error?: unknown }).error;
  return typeof error === 'object' && error !== null ? (error as GraphErrorBody) : undefined;
}

function toSendError(err: unknown): WhatsAppSendError {
  if (err instanceof WhatsAppSendError) return err;
  const httpStatus = axios.isAxiosError(err) ? err.response?.status : undefined;
  const graphError = graphErrorOf(err);
  const rule = classifySendFailure(httpStatus, graphError);
  const networkCode = axios.isAxiosError(err) ? err.code : undefined;

  const message =
    graphError?.message ??
    (httpStatus !== undefined ? `HTTP ${httpStatus}` : `network error${networkCode ? ` ${networkCode}` : ''}: ${errorText(err)}`);
  const details = graphError?.error_data?.details ?? graphError?.error_user_msg;
  const code = typeof graphError?.code === 'number' ? graphError.code : 0; // 0: WhatsApp gave no code
  // The cause is rebuilt from text only: the axios error carries the request config, whose headers
  // hold the access token, and a logger serialising `cause` would print it.
  const cause = new Error(errorText(err));
  return new WhatsAppSendError(
    `WhatsApp send failed (${httpStatus !== undefined ? `HTTP ${httpStatus}` : 'no response'}, code ${code}): ${message}`,
    rule.action,
    {
      code,
      ...(graphError?.error_user_title ? { title: graphError.error_user_title } : {}),
      message,
      ...(details ? { details } : {}),
    },
    httpStatus,
    { cause },
  );
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
