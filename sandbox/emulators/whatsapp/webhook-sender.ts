/**
 * Signs and POSTs webhooks to the bridge like Meta: `X-Hub-Signature-256: sha256=<hex HMAC of the
 * exact bytes>`, and re-delivery with backoff until the bridge answers 200 (Meta retries for days;
 * the emulator compresses that into a few quick retries, then gives up and records it).
 */
import { hmacSha256Hex } from '../shared/hmac.js';
import { postBytes } from '../shared/outbound-post.js';
import type { BoundedLog } from '../shared/bounded-log.js';
import type { TimerSet } from '../shared/timer-set.js';
import type { WebhookDeliveryRecord, WebhookKind } from './types.js';

export interface WebhookSenderConfig {
  appSecret: string;
  webhookUrl: () => string | undefined;
  retryDelaysMs: number[];
  timeoutMs: number;
  timers: TimerSet;
  log: BoundedLog<WebhookDeliveryRecord>;
  onFinished: (record: WebhookDeliveryRecord) => void;
}

export interface DeliverOptions {
  /** Re-deliver on non-200 like Meta. Off for raw bad-input posts, where the first answer is the point. */
  retry: boolean;
  /** Override the signature header: a string replaces it, `null` omits it. */
  signature?: string | null;
  wamids?: string[];
}

export class WebhookSender {
  private nextId = 1;

  constructor(private readonly config: WebhookSenderConfig) {}

  sign(body: string | Buffer): string {
    return `sha256=${hmacSha256Hex(this.config.appSecret, body)}`;
  }

  async deliver(kind: WebhookKind, body: string | Buffer, options: DeliverOptions): Promise<WebhookDeliveryRecord> {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const signature = options.signature === undefined ? this.sign(bytes) : options.signature;
    const url = this.config.webhookUrl();
    const record: WebhookDeliveryRecord = {
      id: this.nextId++,
      kind,
      url,
      body: bytes.toString('utf8'),
      signature,
      attempts: [],
      outcome: 'no-webhook-url',
      wamids: options.wamids ?? [],
    };
    this.config.log.push(record);
    if (url !== undefined) record.outcome = await this.attemptUntilAccepted(url, bytes, signature, options.retry, record);
    this.config.onFinished(record);
    return record;
  }

  private async attemptUntilAccepted(
    url: string,
    bytes: Buffer,
    signature: string | null,
    retry: boolean,
    record: WebhookDeliveryRecord,
  ): Promise<WebhookDeliveryRecord['outcome']> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'facebookexternalua' };
    if (signature !== null) headers['x-hub-signature-256'] = signature;
    const delays = retry ? this.config.retryDelaysMs : [];
    for (let attempt = 0; ; attempt++) {
      const outcome = await postBytes(url, headers, bytes, this.config.timeoutMs);
      record.attempts.push({
        at: new Date().toISOString(),
        status: outcome.status,
        ...(outcome.error === undefined ? {} : { error: outcome.error }),
        ...(outcome.body === '' ? {} : { responseBody: outcome.body }),
      });
      // Meta's rule is "until 200": a 204 or 202 is retried too.
      if (outcome.status === 200) return 'delivered';
      const delay = delays[attempt];
      if (delay === undefined) return 'gave-up';
      if (!(await this.config.timers.sleep(delay))) return 'cancelled';
    }
  }
}
