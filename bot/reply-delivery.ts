/**
 * Sends agents' replies from the outbox to WhatsApp, in order per conversation, and records each
 * outcome. After a crash a pending send's outcome is unknown: it waits for the status webhook that
 * would prove it went out (Puente's outbox id travels as `biz_opaque_callback_data`) before it is
 * re-sent, so a crash costs a short delay, never a duplicate.
 */
import type { Notice } from './chat-adapter.js';
import { say } from './catalogue.js';
import type { BridgeContext } from './bridge-context.js';
import type { FileDelivery, FileRejected } from './outbound-files.js';
import type { OutboundSender, SendOutcome } from './outbound-sender.js';
import type { Conversation } from './types.js';
import type { OutboxItem, OutboxResult } from '../storage/store.js';

/** The message record an outbox id belongs to (`<message key>#<part>`). */
export function messageKeyOf(outboxId: string): string {
  const hash = outboxId.lastIndexOf('#');
  return hash === -1 ? outboxId : outboxId.slice(0, hash);
}

/** The outcome of a send the contact policy refused: recorded like a final failure, explained as a block. */
const REFUSED_BLOCKED: Extract<SendOutcome, { ok: false }> = {
  ok: false,
  error: { code: 0, title: 'blocked by Puente', message: 'the number is blocked' },
  action: 'final',
  attempts: 0,
};

export class ReplyDelivery {
  /** Outbox ids queued in this process, so a chat-tool retry does not queue them twice. */
  private readonly queued = new Set<string>();
  /** Sends whose outcome a crash made unknown, waiting for the status webhook that proves they went out. */
  private readonly inDoubt = new Map<string, (wamid: string | undefined) => void>();

  constructor(
    private readonly ctx: BridgeContext,
    private readonly sender: OutboundSender,
    private readonly files: FileDelivery,
  ) {}

  isQueued(outboxId: string): boolean {
    return this.queued.has(outboxId);
  }

  /** Queues sends a previous run left pending; every grace period starts now, together. */
  resume(items: OutboxItem[]): void {
    for (const item of items) this.queue(item, { proof: this.waitForProof(item.id) });
  }

  /** A status webhook named this outbox id: the send happened, with this wamid. */
  prove(outboxId: string, wamid: string): void {
    this.inDoubt.get(outboxId)?.(wamid);
  }

  /** At shutdown: stop waiting for proofs (those sends stay pending for the next start). */
  abandonWaits(): void {
    for (const settle of this.inDoubt.values()) settle(undefined);
  }

  /**
   * Queues a send in its conversation's lane. `proof`, for a send a crash left in doubt, resolves with
   * the wamid a status webhook proved it went out with, or undefined when none came in time.
   */
  queue(item: OutboxItem, options: { proof?: Promise<string | undefined>; notifyAgent?: string }): void {
    if (this.queued.has(item.id)) return;
    this.queued.add(item.id);
    const task = this.ctx.lanes
      .run(`out:${item.conversationId}`, () => this.deliver(item, options))
      .catch((error: unknown) => this.ctx.logger.error({ outboxId: item.id, err: error }, 'send could not be completed; it stays in the outbox'))
      .finally(() => this.queued.delete(item.id));
    this.ctx.track(task);
  }

  private async deliver(item: OutboxItem, options: { proof?: Promise<string | undefined>; notifyAgent?: string }): Promise<void> {
    if (this.ctx.stopping) return;
    const conversation = await this.ctx.store.getConversation(item.conversationId);
    if (!conversation) throw new Error(`conversation ${item.conversationId} missing for outbox ${item.id}`);
    if (options.proof) {
      const wamid = await options.proof;
      if (wamid) {
        await this.recordOutcome(item, conversation, { ok: true, wamid, attempts: 0 }, options.notifyAgent);
        return;
      }
      if (this.ctx.stopping) return;
    }
    // A blocked number is never sent anything, whatever queued the send (reply, reaction, template).
    if (await this.ctx.policy.refusesSendTo(conversation.customer)) {
      await this.recordOutcome(item, conversation, REFUSED_BLOCKED, options.notifyAgent);
      return;
    }
    const number = this.ctx.numbers.get(conversation.numberId);
    // A file is fetched from the chat tool and uploaded now, from the reference the outbox kept.
    const outcome =
      item.payload.type === 'file' && number
        ? await this.files.deliver(item, conversation, number)
        : await this.sender.send(item, conversation.customer);
    await this.recordOutcome(item, conversation, outcome, options.notifyAgent);
  }

  /** Waits for a status webhook naming this send, up to the grace period; undefined when none came. */
  private waitForProof(outboxId: string): Promise<string | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(undefined), this.ctx.config.inDoubtGraceMs);
      const settle = (wamid: string | undefined): void => {
        clearTimeout(timer);
        this.inDoubt.delete(outboxId);
        resolve(wamid);
      };
      this.inDoubt.set(outboxId, settle);
    });
  }

  private async recordOutcome(item: OutboxItem, conversation: Conversation, outcome: SendOutcome | FileRejected, notifyAgent?: string): Promise<void> {
    const result: OutboxResult = outcome.ok ? { ok: true, wamid: outcome.wamid } : { ok: false, error: outcome.error };
    if (!(await this.ctx.store.getOutboxResult(item.id))) await this.ctx.store.completeOutbox(item.id, result);
    const number = this.ctx.numbers.get(conversation.numberId);
    const thread = conversation.thread;
    await this.ctx.lanes.run(`msg:${item.messageKey}`, async () => {
      const record = await this.ctx.store.getMessage(item.messageKey);
      if (outcome.ok) {
        if (record && !record.wamids.includes(outcome.wamid)) {
          await this.ctx.store.updateMessage(record.key, { wamids: [...record.wamids, outcome.wamid] });
        }
        return;
      }
      if (!number || !thread) return;
      if ('rejected' in outcome) return; // the file's own notice already explained it, naming the file
      const adapter = this.ctx.adapterFor(number);
      const reason = outcome.error.details ?? outcome.error.message ?? outcome.error.title ?? '';
      const blocked = outcome.error.title === REFUSED_BLOCKED.error.title;
      if (item.payload.type === 'reaction') {
        await adapter.notify(thread, {
          kind: 'warning',
          text: blocked ? say(number.language, 'notice.blocked') : say(number.language, 'notice.reaction.failed', { code: outcome.error.code, reason }),
          onlyTo: notifyAgent,
        });
        return;
      }
      if (!record || record.status === 'failed') return; // one notice per message, however many parts failed
      await this.ctx.store.updateMessage(record.key, { status: 'failed', error: outcome.error });
      if (record.chat) await adapter.showStatus(record.chat, 'failed', record.status);
      const notice: Notice = {
        kind: 'error',
        text: blocked
          ? say(number.language, 'notice.blocked')
          : say(number.language, outcome.action === 'final-alert' ? 'notice.send.failed.alert' : 'notice.send.failed', {
              code: outcome.error.code,
              reason,
            }),
      };
      await adapter.notify(thread, notice);
    });
  }
}
