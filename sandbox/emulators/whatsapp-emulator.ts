/**
 * A local stand-in for Meta's WhatsApp Cloud API, on loopback, for end-to-end tests and the
 * newcomer sandbox. Two faces:
 *   - the Graph API the bridge calls (see whatsapp/graph-api.ts), recorded and observable;
 *   - the customer's phone: methods that make Meta POST signed webhooks to the bridge.
 *
 *   const wa = new WhatsAppEmulator({ appSecret, accessToken, webhookUrl, numbers: [{ phoneNumberId: '1001', displayNumber: '15550001001' }] });
 *   const base = await wa.start();            // bridge config: WHATSAPP_API_URL = base
 *   await wa.sendText('1001', { waId: '34611111111', name: 'Ana' }, 'hola');
 *   wa.on('message', (sent) => …);            // the bridge replied
 */
import { EventEmitter } from 'node:events';
import { BoundedLog } from './shared/bounded-log.js';
import { LoopbackServer, type EmulatorRequest, type EmulatorResponse } from './shared/loopback-server.js';
import { TimerSet } from './shared/timer-set.js';
import { FailureInjector } from './whatsapp/failure-injector.js';
import { GraphApi } from './whatsapp/graph-api.js';
import { newWamid } from './whatsapp/ids.js';
import { MediaStore } from './whatsapp/media-store.js';
import { StatusLifecycle, type PendingStatus } from './whatsapp/status-lifecycle.js';
import {
  batchedEnvelope,
  inboundMessage,
  messagesEnvelope,
  senderContact,
  serializeWebhook,
  type BusinessNumber,
} from './whatsapp/webhook-payloads.js';
import { WebhookSender } from './whatsapp/webhook-sender.js';
import { TemplateBook, type EmulatedTemplate } from './whatsapp/templates.js';
import type {
  CustomerIdentity,
  CustomerSendResult,
  EmulatedMedia,
  GraphRequestRecord,
  InboundMediaInput,
  InjectedFailure,
  ReadReceiptRecord,
  ReleaseOptions,
  SentMessageRecord,
  StatusName,
  StatusUpdate,
  WebhookDeliveryRecord,
  WhatsAppEmulatorEvents,
  WhatsAppEmulatorOptions,
} from './whatsapp/types.js';

export type * from './whatsapp/types.js';
export type { EmulatedTemplate } from './whatsapp/templates.js';

/** Numbers configured without a WABA id share this one, as numbers of one business usually do. */
const DEFAULT_WABA_ID = '102290129340398';

export interface InboundRecord {
  numberId: string;
  from: CustomerIdentity;
  wamid: string;
  message: Record<string, unknown>;
  at: string;
}

export class WhatsAppEmulator extends EventEmitter<WhatsAppEmulatorEvents> {
  readonly apiVersion: string;
  private webhookTarget: string | undefined;
  private readonly numbers = new Map<string, BusinessNumber>();
  private readonly server: LoopbackServer;
  private readonly timers = new TimerSet();
  private readonly failures = new FailureInjector();
  private readonly templateBook = new TemplateBook();
  private readonly media: MediaStore;
  private readonly graph: GraphApi;
  private readonly lifecycle: StatusLifecycle;
  private readonly webhooks: WebhookSender;
  private readonly metaJsonEscaping: boolean;
  private readonly sentLog: BoundedLog<SentMessageRecord>;
  private readonly readLog: BoundedLog<ReadReceiptRecord>;
  private readonly requestLog: BoundedLog<GraphRequestRecord>;
  private readonly deliveryLog: BoundedLog<WebhookDeliveryRecord>;
  private readonly inboundLog: BoundedLog<InboundRecord>;
  /** Customer-side sends in flight, so `whenIdle()` also waits for them. */
  private readonly customerSends = new Set<Promise<unknown>>();

  constructor(options: WhatsAppEmulatorOptions) {
    super();
    if (!options.appSecret) throw new Error('WhatsAppEmulator: appSecret is required');
    if (!options.accessToken) throw new Error('WhatsAppEmulator: accessToken is required');
    this.apiVersion = options.apiVersion ?? 'v24.0';
    const majorVersion = /^v(\d+)\.\d+$/.exec(this.apiVersion)?.[1];
    if (majorVersion === undefined) throw new Error(`WhatsAppEmulator: apiVersion must look like v24.0, got ${this.apiVersion}`);
    this.webhookTarget = options.webhookUrl;
    this.metaJsonEscaping = options.metaJsonEscaping ?? true;
    for (const number of options.numbers) {
      this.numbers.set(number.phoneNumberId, {
        phoneNumberId: number.phoneNumberId,
        displayNumber: number.displayNumber.replace(/\D/g, ''),
        wabaId: number.wabaId ?? DEFAULT_WABA_ID,
      });
    }
    const maxRecords = options.maxRecords ?? 10_000;
    this.sentLog = new BoundedLog(maxRecords);
    this.readLog = new BoundedLog(maxRecords);
    this.requestLog = new BoundedLog(maxRecords);
    this.deliveryLog = new BoundedLog(maxRecords);
    this.inboundLog = new BoundedLog(maxRecords);
    this.media = new MediaStore(options.maxMediaBytes ?? 100 * 1024 * 1024);

    this.webhooks = new WebhookSender({
      appSecret: options.appSecret,
      webhookUrl: () => this.webhookTarget,
      retryDelaysMs: options.webhookRetryDelaysMs ?? [20, 100, 500],
      timeoutMs: options.webhookTimeoutMs ?? 10_000,
      timers: this.timers,
      log: this.deliveryLog,
      onFinished: (record) => this.emit('webhook', record),
    });
    const delays = { sent: 5, delivered: 10, read: 15, ...options.statusDelaysMs };
    this.lifecycle = new StatusLifecycle({
      delays,
      apiMajorVersion: Number(majorVersion),
      timers: this.timers,
      deliver: (statuses) => this.deliverStatuses(statuses),
    });
    this.graph = new GraphApi({
      accessToken: options.accessToken,
      appSecret: options.appSecret,
      numbers: this.numbers,
      failures: this.failures,
      media: this.media,
      lifecycle: this.lifecycle,
      templates: this.templateBook,
      baseUrl: () => this.server.baseUrl,
      onSent: (record) => {
        this.sentLog.push(record);
        this.emit('message', record);
      },
      onRead: (record) => {
        this.readLog.push(record);
        this.emit('read', record);
      },
    });
    this.server = new LoopbackServer((request) => this.handleGraphRequest(request), 110 * 1024 * 1024);
  }

  // ── lifecycle ────────────────────────────────────────────────────────────────────────────────

  /** Starts listening on 127.0.0.1; resolves with the base URL (the bridge's Graph API URL). */
  start(port = 0): Promise<string> {
    return this.server.start(port);
  }

  /** Stops listening and cancels every scheduled status and webhook retry. */
  async stop(): Promise<void> {
    this.timers.cancelAll();
    await this.server.stop();
  }

  get baseUrl(): string {
    return this.server.baseUrl;
  }

  /** `<base>/<apiVersion>`: prefix of every versioned Graph path. */
  get graphUrl(): string {
    return `${this.server.baseUrl}/${this.apiVersion}`;
  }

  get webhookUrl(): string | undefined {
    return this.webhookTarget;
  }

  /** The bridge usually starts after the emulator, so its URL may only be known later. */
  setWebhookUrl(url: string | undefined): void {
    this.webhookTarget = url;
  }

  /** `sha256=<hex HMAC-SHA256(appSecret, body)>`, the `X-Hub-Signature-256` value. */
  sign(body: string | Buffer): string {
    return this.webhooks.sign(body);
  }

  // ── records ──────────────────────────────────────────────────────────────────────────────────

  /** Messages the bridge sent, oldest first, optionally for one business number / recipient. */
  sent(filter: { numberId?: string; to?: string } = {}): SentMessageRecord[] {
    const recipient = filter.to?.replace(/[\s+\-()]/g, '');
    return this.sentLog
      .all()
      .filter((record) => (filter.numberId === undefined || record.numberId === filter.numberId) && (recipient === undefined || record.recipientId === recipient));
  }

  readReceipts(): ReadReceiptRecord[] {
    return this.readLog.all();
  }

  /** Every Graph HTTP request, including rejected ones. */
  requests(): GraphRequestRecord[] {
    return this.requestLog.all();
  }

  /** Every webhook POST the emulator made (customer messages, statuses, raw), with all attempts. */
  deliveries(): WebhookDeliveryRecord[] {
    return this.deliveryLog.all();
  }

  /** Customer messages the emulator sent to the bridge. */
  inbound(): InboundRecord[] {
    return this.inboundLog.all();
  }

  /** Statuses of `wamid` that reached the bridge with a 200, in delivery order. */
  statusesDelivered(wamid: string): StatusName[] {
    return this.deliveryLog
      .all()
      .filter((delivery) => delivery.kind === 'status' && delivery.outcome === 'delivered' && delivery.wamids.includes(wamid))
      .flatMap((delivery) => statusNamesIn(delivery, wamid));
  }

  /** Media by id (customer-sent or uploaded by the bridge). */
  mediaById(id: string): EmulatedMedia | undefined {
    return this.media.get(id);
  }

  uploadedMedia(): EmulatedMedia[] {
    return this.media.all().filter((media) => media.origin === 'business');
  }

  /** Forgets all records, injected failures and held statuses (not numbers or media). */
  clear(): void {
    for (const log of [this.sentLog, this.readLog, this.requestLog, this.deliveryLog, this.inboundLog]) log.clear();
    this.failures.clear();
    this.lifecycle.reset();
  }

  /** Resolves when no status lifecycle, webhook retry or customer send is in flight. */
  async whenIdle(): Promise<void> {
    while (this.customerSends.size > 0) await Promise.allSettled([...this.customerSends]);
    await this.lifecycle.whenIdle();
  }

  // ── failure injection ────────────────────────────────────────────────────────────────────────

  /**
   * The next `count` message sends fail. `sync`: the API answers the Graph error with its HTTP
   * status. `async`: the API accepts (returns a wamid), then a `failed` status webhook follows.
   * Mark-as-read calls are not affected.
   */
  failNext(count: number, failure: InjectedFailure): void {
    this.failures.failNext(count, failure);
  }

  /** Every send to this recipient (`+34 611…`, digits, or a BSUID) fails until cleared. */
  failRecipient(recipient: string, failure: InjectedFailure): void {
    this.failures.failRecipient(recipient, failure);
  }

  clearRecipientFailure(recipient: string): void {
    this.failures.clearRecipient(recipient);
  }

  clearFailures(): void {
    this.failures.clear();
  }

  // ── status webhooks ──────────────────────────────────────────────────────────────────────────

  /** Park status webhooks instead of posting them, until `releaseStatuses()`. */
  holdStatuses(): void {
    this.lifecycle.hold();
  }

  heldStatuses(): StatusUpdate[] {
    return this.lifecycle.heldStatuses().map(({ wamid, status, number }) => ({ wamid, status, numberId: number.phoneNumberId }));
  }

  /** Posts every held status (one POST each, or one batched POST) and leaves hold mode unless told otherwise. */
  releaseStatuses(options: ReleaseOptions = {}): Promise<WebhookDeliveryRecord[]> {
    return this.lifecycle.release(options);
  }

  // ── customer side ────────────────────────────────────────────────────────────────────────────

  /** A customer writes to business number `numberId`. `quotedWamid` makes it a reply to that message. */
  sendText(numberId: string, from: CustomerIdentity, text: string, options: { quotedWamid?: string } = {}): Promise<CustomerSendResult> {
    return this.sendMessage(numberId, from, {
      type: 'text',
      text: { body: text },
      ...(options.quotedWamid === undefined ? {} : { context: this.quoteContext(numberId, options.quotedWamid) }),
    });
  }

  /**
   * A customer reacts to `targetWamid`; `''` removes the reaction. Meta omits `emoji` on removal,
   * some captures show `""` — `removal` picks which one the bridge receives (default: omitted).
   */
  sendReaction(
    numberId: string,
    from: CustomerIdentity,
    targetWamid: string,
    emoji: string,
    options: { removal?: 'omit-emoji' | 'empty-emoji' } = {},
  ): Promise<CustomerSendResult> {
    const omit = emoji === '' && options.removal !== 'empty-emoji';
    return this.sendMessage(numberId, from, { type: 'reaction', reaction: { message_id: targetWamid, ...(omit ? {} : { emoji }) } });
  }

  /** A customer sends a file: stored as media (downloadable through the Graph media endpoints) and announced by webhook. */
  async sendMedia(numberId: string, from: CustomerIdentity, input: InboundMediaInput): Promise<CustomerSendResult & { mediaId: string }> {
    const media = this.media.add({ data: input.data, mimeType: input.mimeType, ...(input.filename === undefined ? {} : { filename: input.filename }), origin: 'customer' });
    const mediaObject: Record<string, unknown> = {
      ...(input.caption === undefined ? {} : { caption: input.caption }),
      ...(input.kind === 'document' ? { filename: input.filename ?? 'file' } : {}),
      mime_type: input.mimeType,
      sha256: media.sha256,
      id: media.id,
      ...(input.includeUrl === false ? {} : { url: this.graph.mediaUrl(media) }),
      ...(input.kind === 'audio' ? { voice: input.voice ?? false } : {}),
      ...(input.kind === 'sticker' ? { animated: input.animated ?? false } : {}),
    };
    const result = await this.sendMessage(numberId, from, { type: input.kind, [input.kind]: mediaObject });
    return { ...result, mediaId: media.id };
  }

  /**
   * Any inbound message type: pass the type-specific part (`{type:'location', location:{…}}`);
   * `from`, `id` and `timestamp` are filled in unless given. `system` messages carry no `contacts`, as at Meta.
   */
  sendMessage(numberId: string, from: CustomerIdentity, message: Record<string, unknown>): Promise<CustomerSendResult> {
    const send = this.deliverInbound(numberId, from, message).finally(() => this.customerSends.delete(send));
    this.customerSends.add(send);
    return send;
  }

  /** POSTs arbitrary bytes once (no retries), for bad-input tests: `signature` `undefined` = sign correctly, `null` = no header. */
  async postRawWebhook(body: string | Buffer, signature?: string | null): Promise<{ status: number; responseBody: string; delivery: WebhookDeliveryRecord }> {
    const delivery = await this.webhooks.deliver('raw', body, { retry: false, ...(signature === undefined ? {} : { signature }) });
    const last = delivery.attempts.at(-1);
    return { status: last?.status ?? 0, responseBody: last?.responseBody ?? '', delivery };
  }

  /**
   * POSTs the exact bytes of an earlier webhook again (signed again, no retries): Meta sends
   * duplicates, so the bridge must dedupe on wamid / (wamid, status), never on body bytes.
   */
  async redeliverWebhook(deliveryId: number): Promise<WebhookDeliveryRecord> {
    const original = this.deliveryLog.find((delivery) => delivery.id === deliveryId);
    if (!original) throw new Error(`WhatsAppEmulator: no recorded webhook delivery ${deliveryId}`);
    return this.webhooks.deliver(original.kind, original.body, { retry: false, wamids: original.wamids });
  }

  /**
   * The templates `GET /{waba-id}/message_templates` lists for an account (default: the account of
   * numbers configured without one). Template sends are then checked against them like Meta does.
   */
  setTemplates(templates: EmulatedTemplate[], wabaId = DEFAULT_WABA_ID): void {
    this.templateBook.set(wabaId, templates);
  }

  /** Signs and POSTs any payload object with Meta's serialisation and retries (e.g. account-level webhooks, §9). */
  postWebhook(payload: Record<string, unknown>): Promise<WebhookDeliveryRecord> {
    return this.webhooks.deliver('custom', serializeWebhook(payload, this.metaJsonEscaping), { retry: true });
  }

  // ── internals ────────────────────────────────────────────────────────────────────────────────

  private async handleGraphRequest(request: EmulatorRequest): Promise<EmulatorResponse> {
    const result = await this.graph.handle(request);
    const record: GraphRequestRecord = {
      method: request.method,
      path: request.url.pathname + request.url.search,
      authorized: result.authorized,
      body: result.body,
      status: result.response.status,
      response: result.responseBody,
      at: new Date().toISOString(),
    };
    this.requestLog.push(record);
    this.emit('request', record);
    return result.response;
  }

  private requireNumber(numberId: string): BusinessNumber {
    const number = this.numbers.get(numberId);
    if (!number) throw new Error(`WhatsAppEmulator: unknown business number ${numberId}; configured: ${[...this.numbers.keys()].join(', ')}`);
    return number;
  }

  /** A quote of a business message names the business number as `from`; a quote of the customer's own message names the customer. */
  private quoteContext(numberId: string, quotedWamid: string): Record<string, unknown> {
    const number = this.requireNumber(numberId);
    const quotedInbound = this.inboundLog.find((record) => record.wamid === quotedWamid);
    return { from: quotedInbound ? quotedInbound.from.waId : number.displayNumber, id: quotedWamid };
  }

  private async deliverInbound(numberId: string, from: CustomerIdentity, message: Record<string, unknown>): Promise<CustomerSendResult> {
    const number = this.requireNumber(numberId);
    const wamid = typeof message.id === 'string' ? message.id : newWamid(from.waId || from.userId || 'unknown');
    const fullMessage = inboundMessage(from, wamid, message);
    const contacts = message.type === 'system' ? {} : { contacts: [senderContact(from)] };
    const body = serializeWebhook(messagesEnvelope(number, { ...contacts, messages: [fullMessage] }), this.metaJsonEscaping);
    this.inboundLog.push({ numberId, from, wamid, message: fullMessage, at: new Date().toISOString() });
    const delivery = await this.webhooks.deliver('message', body, { retry: true, wamids: [wamid] });
    this.emit('inbound', { wamid, numberId, message: fullMessage, delivery });
    return { wamid, status: delivery.attempts.at(-1)?.status ?? 0, attempts: delivery.attempts.length };
  }

  private async deliverStatuses(statuses: PendingStatus[]): Promise<WebhookDeliveryRecord> {
    const groups = new Map<string, { number: BusinessNumber; value: { statuses: Record<string, unknown>[] } }>();
    for (const pending of statuses) {
      const group = groups.get(pending.number.phoneNumberId) ?? { number: pending.number, value: { statuses: [] } };
      group.value.statuses.push(pending.payload);
      groups.set(pending.number.phoneNumberId, group);
    }
    const [single] = groups.values();
    const payload = groups.size === 1 && single ? messagesEnvelope(single.number, single.value) : batchedEnvelope([...groups.values()]);
    const delivery = await this.webhooks.deliver('status', serializeWebhook(payload, this.metaJsonEscaping), {
      retry: true,
      wamids: statuses.map((pending) => pending.wamid),
    });
    for (const pending of statuses) {
      this.emit('status', { wamid: pending.wamid, status: pending.status, numberId: pending.number.phoneNumberId, delivery });
    }
    return delivery;
  }
}

function statusNamesIn(delivery: WebhookDeliveryRecord, wamid: string): StatusName[] {
  const payload = JSON.parse(delivery.body) as { entry: { changes: { value: { statuses?: { id: string; status: StatusName }[] } }[] }[] };
  return payload.entry.flatMap((entry) =>
    entry.changes.flatMap((change) => (change.value.statuses ?? []).filter((status) => status.id === wamid).map((status) => status.status)),
  );
}
