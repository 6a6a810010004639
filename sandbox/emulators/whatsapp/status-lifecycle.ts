/**
 * After a send is accepted, plays the status webhooks a real phone would cause: sent → delivered →
 * read at configured offsets from the send, or a single `failed` for an injected async failure.
 * Each message's statuses are delivered one after another (the next waits for the previous POST,
 * retries included), so tests can rely on their order; different messages run concurrently.
 *
 * "Hold" mode parks built statuses instead of posting them, so a test can inspect the bridge between
 * the API answer and the webhooks, then release them in order, reversed, or batched into one POST.
 */
import { newConversationId } from './ids.js';
import { statusObject, type BusinessNumber } from './webhook-payloads.js';
import type { TimerSet } from '../shared/timer-set.js';
import type { GraphErrorSpec, ReleaseOptions, SentMessageRecord, StatusDelays, StatusName, WebhookDeliveryRecord } from './types.js';

export interface PendingStatus {
  number: BusinessNumber;
  wamid: string;
  status: StatusName;
  payload: Record<string, unknown>;
}

export interface StatusLifecycleConfig {
  delays: StatusDelays;
  apiMajorVersion: number;
  timers: TimerSet;
  /** POSTs the given statuses in one webhook and reports the outcome. */
  deliver: (statuses: PendingStatus[]) => Promise<WebhookDeliveryRecord>;
}

const STAGES = ['sent', 'delivered', 'read'] as const;

export class StatusLifecycle {
  private holding = false;
  private held: PendingStatus[] = [];
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly config: StatusLifecycleConfig) {}

  begin(message: SentMessageRecord, number: BusinessNumber, asyncFailure?: GraphErrorSpec): void {
    const run = this.play(message, number, asyncFailure).finally(() => this.running.delete(run));
    this.running.add(run);
  }

  hold(): void {
    this.holding = true;
  }

  heldStatuses(): PendingStatus[] {
    return [...this.held];
  }

  async release(options: ReleaseOptions = {}): Promise<WebhookDeliveryRecord[]> {
    const statuses = options.order === 'reverse' ? [...this.held].reverse() : [...this.held];
    this.held = [];
    if (!options.keepHolding) this.holding = false;
    if (statuses.length === 0) return [];
    if (options.batch) return [await this.config.deliver(statuses)];
    const records: WebhookDeliveryRecord[] = [];
    for (const status of statuses) records.push(await this.config.deliver([status]));
    return records;
  }

  /** Resolves once every scheduled status has been delivered (or held). */
  async whenIdle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  reset(): void {
    this.held = [];
    this.holding = false;
  }

  private async play(message: SentMessageRecord, number: BusinessNumber, asyncFailure?: GraphErrorSpec): Promise<void> {
    const startedAt = Date.now();
    const base = {
      wamid: message.wamid,
      recipientId: message.recipientId,
      recipientIsUserId: !/^\d+$/.test(message.recipientId),
      ...(message.callbackData === undefined ? {} : { callbackData: message.callbackData }),
      messageType: message.type,
      apiMajorVersion: this.config.apiMajorVersion,
      conversationId: newConversationId(),
    };
    const stages: { status: StatusName; delay: number }[] = asyncFailure
      ? [{ status: 'failed', delay: this.config.delays.sent ?? 0 }]
      : this.stagesFor(message.type);
    // v24+: pricing rides on a single status — the first of delivered/read that will happen.
    const pricingStage = stages.find((stage) => stage.status === 'delivered' || stage.status === 'read')?.status;
    for (const stage of stages) {
      const completed = await this.config.timers.sleep(startedAt + stage.delay - Date.now());
      if (!completed) return;
      const payload = statusObject({
        ...base,
        status: stage.status,
        carriesPricing: stage.status === pricingStage,
        ...(asyncFailure ? { error: asyncFailure } : {}),
      });
      const pending: PendingStatus = { number, wamid: message.wamid, status: stage.status, payload };
      if (this.holding) this.held.push(pending);
      else await this.config.deliver([pending]);
    }
  }

  private stagesFor(messageType: string): { status: StatusName; delay: number }[] {
    // Reactions sent by a business only ever get `sent` (reference §3).
    const names = messageType === 'reaction' ? (['sent'] as const) : STAGES;
    return names.flatMap((status) => {
      const delay = this.config.delays[status];
      return delay === null ? [] : [{ status, delay }];
    });
  }
}
