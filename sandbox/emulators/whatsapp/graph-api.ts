/**
 * The Graph API side of the emulator: what the bridge calls. Routes:
 *   POST   /{version}/{phone-number-id}/messages   send / mark-as-read / typing indicator (§4)
 *   POST   /{version}/{phone-number-id}/media      multipart upload (§5)
 *   GET    /{version}/{media-id}                   media URL lookup (§5)
 *   GET    /{version}/{phone-number-id}            minimal phone-number info
 *   DELETE /{version}/{media-id}
 *   GET    /{version}/{waba-id}/message_templates  templates of an account (§8)
 *   GET    /whatsapp_business/attachments/?mid=…   media download (Bearer token, URL valid 5 min)
 */
import { hmacSha256Hex } from '../shared/hmac.js';
import { jsonResponse, type EmulatorRequest, type EmulatorResponse } from '../shared/loopback-server.js';
import { parseRequestBody, type ParsedBody } from '../shared/request-body.js';
import { GraphError, invalidAccessToken, invalidParameter, unknownObject, unknownPath, whatsappGraphError } from './graph-errors.js';
import { newWamid } from './ids.js';
import { sendProblem, uploadProblem, type MediaStore } from './media-store.js';
import { validateSend } from './send-validation.js';
import type { TemplateBook } from './templates.js';
import type { FailureInjector } from './failure-injector.js';
import type { StatusLifecycle } from './status-lifecycle.js';
import type { BusinessNumber } from './webhook-payloads.js';
import type { EmulatedMedia, GraphErrorSpec, InjectedFailure, ReadReceiptRecord, SentMessageRecord } from './types.js';

const MEDIA_DOWNLOAD_PATH = '/whatsapp_business/attachments/';
/** Meta's media URLs expire after 5 minutes (reference §5). */
const MEDIA_URL_TTL_SECONDS = 300;

export interface GraphApiDeps {
  accessToken: string;
  appSecret: string;
  numbers: Map<string, BusinessNumber>;
  failures: FailureInjector;
  media: MediaStore;
  lifecycle: StatusLifecycle;
  templates: TemplateBook;
  baseUrl: () => string;
  onSent: (record: SentMessageRecord) => void;
  onRead: (record: ReadReceiptRecord) => void;
}

export interface GraphCallResult {
  response: EmulatorResponse;
  authorized: boolean;
  body: unknown;
  responseBody: unknown;
}

const VERSIONED_PATH = /^\/(v\d+\.\d+)\/([^/]+)(?:\/([^/]+))?\/?$/;

export class GraphApi {
  constructor(private readonly deps: GraphApiDeps) {}

  async handle(request: EmulatorRequest): Promise<GraphCallResult> {
    const parsed = await parseRequestBody(request.headers['content-type'], request.body);
    const body = describeBody(parsed, request.body);
    const authorized = this.isAuthorized(request);
    const result = authorized ? this.route(request, parsed) : invalidAccessToken('Cannot parse access token');
    if (result instanceof GraphError) {
      return { response: jsonResponse(result.httpStatus, result.body), authorized, body, responseBody: result.body };
    }
    if (result instanceof RawReply) return { response: result.response, authorized, body, responseBody: `<${result.response.status} raw>` };
    return { response: jsonResponse(200, result), authorized, body, responseBody: result };
  }

  /** A media URL as Meta hands it out: signed, expiring, and still needing the Bearer token. */
  mediaUrl(media: EmulatedMedia): string {
    const expires = Math.floor(Date.now() / 1000) + MEDIA_URL_TTL_SECONDS;
    const hash = this.mediaUrlHash(media.id, expires);
    return `${this.deps.baseUrl()}${MEDIA_DOWNLOAD_PATH}?mid=${media.id}&ext=${expires}&hash=${hash}`;
  }

  private isAuthorized(request: EmulatorRequest): boolean {
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : request.url.searchParams.get('access_token');
    return token === this.deps.accessToken;
  }

  /** Returns the JSON to answer with 200, a Graph error, or a non-JSON reply. */
  private route(request: EmulatorRequest, parsed: ParsedBody): unknown {
    const { method, url } = request;
    if (method === 'GET' && url.pathname === MEDIA_DOWNLOAD_PATH) return this.downloadMedia(url);
    const match = VERSIONED_PATH.exec(url.pathname);
    if (!match) return unknownPath(url.pathname);
    const [, , id = '', edge] = match;
    if (method === 'GET' && edge === 'message_templates') return this.deps.templates.list(id, url);
    if (method === 'POST' && (edge === 'messages' || edge === 'media')) {
      const number = this.deps.numbers.get(id);
      if (!number) return unknownObject('post', id);
      return edge === 'messages' ? this.sendMessage(number, parsed) : this.uploadMedia(parsed);
    }
    if (edge !== undefined) return unknownPath(url.pathname);
    if (method === 'GET') return this.describeObject(id);
    if (method === 'DELETE') return this.deps.media.delete(id) ? { success: true } : unknownObject('delete', id);
    return unknownPath(url.pathname);
  }

  private sendMessage(number: BusinessNumber, parsed: ParsedBody): unknown | GraphError {
    const body = bodyObject(parsed);
    const send = validateSend(body);
    if (send instanceof GraphError) return send;
    const at = new Date().toISOString();
    if (send.kind === 'read') {
      this.deps.onRead({ numberId: number.phoneNumberId, messageId: send.messageId, typingIndicator: send.typingIndicator, at });
      return { success: true };
    }
    const mediaProblem = this.mediaSendProblem(send.type, body);
    if (mediaProblem) return whatsappGraphError({ code: 131053, details: mediaProblem });
    if (send.type === 'template') {
      const refused = this.deps.templates.check(number.wabaId, (body as { template: Record<string, unknown> }).template);
      if (refused) return refused;
    }
    const failure = this.deps.failures.take(send.recipientId);
    if (failure?.mode === 'sync') return whatsappGraphError(failure);
    const asyncFailure = failure ? withoutMode(failure) : undefined;
    const record: SentMessageRecord = {
      numberId: number.phoneNumberId,
      to: send.to,
      recipientId: send.recipientId,
      type: send.type,
      body: body as Record<string, unknown>,
      wamid: newWamid(send.recipientId),
      at,
      ...(send.callbackData === undefined ? {} : { callbackData: send.callbackData }),
      ...(asyncFailure ? { asyncFailure } : {}),
    };
    this.deps.onSent(record);
    this.deps.lifecycle.begin(record, number, asyncFailure);
    const isUserId = !/^\d+$/.test(send.recipientId);
    return {
      messaging_product: 'whatsapp',
      contacts: [isUserId ? { input: send.to, user_id: send.recipientId } : { input: send.to, wa_id: send.recipientId }],
      messages: [{ id: record.wamid }],
    };
  }

  /** A media message sent by id must name known media of a type and size its message type takes. */
  private mediaSendProblem(type: string, body: unknown): string | undefined {
    const object = (body as Record<string, unknown>)[type];
    const id = typeof object === 'object' && object !== null ? (object as { id?: unknown }).id : undefined;
    if (typeof id !== 'string') return undefined;
    const media = this.deps.media.get(id);
    if (!media) return `Media id ${id} is unknown or expired.`;
    return sendProblem(type, media);
  }

  private uploadMedia(parsed: ParsedBody): unknown | GraphError {
    if (parsed.kind !== 'multipart') return invalidParameter('Media upload must be multipart/form-data.');
    if (parsed.fields.messaging_product !== 'whatsapp') return invalidParameter('The parameter messaging_product is required.');
    const file = parsed.files.file;
    if (!file) return invalidParameter('The parameter file is required.');
    const mimeType = parsed.fields.type ?? file.type;
    if (!mimeType) return invalidParameter('The parameter type is required.');
    const problem = uploadProblem(mimeType, file.data.length);
    if (problem) return whatsappGraphError({ code: 131053, details: problem });
    const media = this.deps.media.add({ data: file.data, mimeType, filename: file.filename, origin: 'business' });
    return { id: media.id };
  }

  private describeObject(id: string): unknown | GraphError {
    const media = this.deps.media.get(id);
    if (media) {
      return {
        messaging_product: 'whatsapp',
        url: this.mediaUrl(media),
        mime_type: media.mimeType,
        // The lookup answer is seen with a hex digest, webhooks with base64 (reference §5): keep both in play.
        sha256: Buffer.from(media.sha256, 'base64').toString('hex'),
        file_size: String(media.size),
        id: media.id,
      };
    }
    const number = this.deps.numbers.get(id);
    if (number) {
      return {
        verified_name: `Emulated ${number.displayNumber}`,
        code_verification_status: 'VERIFIED',
        display_phone_number: `+${number.displayNumber}`,
        quality_rating: 'GREEN',
        platform_type: 'CLOUD_API',
        throughput: { level: 'STANDARD' },
        id: number.phoneNumberId,
      };
    }
    return unknownObject('get', id);
  }

  private downloadMedia(url: URL): RawReply {
    const id = url.searchParams.get('mid') ?? '';
    const expires = Number(url.searchParams.get('ext'));
    const media = this.deps.media.get(id);
    const valid = media && url.searchParams.get('hash') === this.mediaUrlHash(id, expires) && expires * 1000 > Date.now();
    // Expired or tampered URLs: Meta answers 404, and the bridge must re-query the media id.
    if (!valid) return new RawReply({ status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found' });
    return new RawReply({ status: 200, headers: { 'content-type': media.mimeType, 'content-length': String(media.size) }, body: media.data });
  }

  private mediaUrlHash(id: string, expires: number): string {
    return hmacSha256Hex(this.deps.appSecret, `${id}:${expires}`).slice(0, 32);
  }
}

function withoutMode({ mode: _mode, ...spec }: InjectedFailure): GraphErrorSpec {
  return spec;
}

/** A reply that is not Graph JSON (media bytes, 404 of an expired media URL). */
class RawReply {
  constructor(readonly response: EmulatorResponse) {}
}

/** Graph accepts JSON and form bodies; form values holding JSON objects are decoded like Graph does. */
function bodyObject(parsed: ParsedBody): unknown {
  if (parsed.kind === 'json') return parsed.value;
  if (parsed.kind === 'form') {
    return Object.fromEntries(
      Object.entries(parsed.fields).map(([key, value]) => {
        if (!/^[[{]/.test(value)) return [key, value];
        try {
          return [key, JSON.parse(value)];
        } catch {
          return [key, value];
        }
      }),
    );
  }
  return undefined;
}

function describeBody(parsed: ParsedBody, raw: Buffer): unknown {
  if (parsed.kind === 'json' || parsed.kind === 'form') return bodyObject(parsed);
  if (parsed.kind === 'multipart') {
    const files = Object.fromEntries(Object.entries(parsed.files).map(([name, f]) => [name, { filename: f.filename, type: f.type, size: f.data.length }]));
    return { ...parsed.fields, ...files };
  }
  if (parsed.kind === 'empty') return undefined;
  return raw.subarray(0, 4096).toString('utf8');
}
