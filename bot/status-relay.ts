/**
 * Delivery statuses from WhatsApp, shown on the agent's message in the chat tool. States only move
 * forward (WhatsApp does not promise webhook order); a failure is explained in the thread.
 */
import { say } from './catalogue.js';
import type { BridgeContext } from './bridge-context.js';
import { advances, isDeliveryState } from './delivery-state.js';
import { messageKeyOf } from './reply-delivery.js';
import type { DeliveryStatus } from './types.js';

export class StatusRelay {
  constructor(private readonly ctx: BridgeContext) {}

  async handleStatus(status: DeliveryStatus): Promise<void> {
    const outboxId = status.callbackData;

    const record =
      (await this.ctx.store.findMessageByWamid(status.wamid)) ??
      (outboxId ? await this.ctx.store.getMessage(messageKeyOf(outboxId)) : undefined);
    if (!record || record.direction !== 'out') {
      this.ctx.logger.debug({ wamid: status.wamid, status: status.status }, 'status for a message Puente did not send');
      return;
    }
    await this.ctx.lanes.run(`msg:${record.key}`, () => this.applyStatus(record.key, status));
  }

  private async applyStatus(messageKey: string, status: DeliveryStatus): Promise<void> {
    const record = await this.ctx.store.getMessage(messageKey);
    if (!record) return;
    if (!record.wamids.includes(status.wamid)) {
      await this.ctx.store.updateMessage(record.key, { wamids: [...record.wamids, status.wamid] });
      if (status.callbackData && !(await this.ctx.store.getOutboxResult(status.callbackData))) {
        await this.ctx.store.completeOutbox(status.callbackData, { ok: true, wamid: status.wamid });
      }
    }
    const state = status.status;
    if (!isDeliveryState(state)) {
      this.ctx.logger.debug({ wamid: status.wamid, status: state }, 'unknown delivery state ignored');
      return;
    }
    if (!advances(record.status, state)) return;
    const error = status.errors?.[0];
    await this.ctx.store.updateMessage(record.key, { status: state, ...(error ? { error } : {}) });
    const conversation = await this.ctx.store.getConversation(record.conversationId);
    const number = conversation && this.ctx.numbers.get(conversation.numberId);
    const chat = record.chat;
    if (!chat || !conversation?.thread || !number) return;
    const adapter = this.ctx.adapterFor(number);
    try {
      await this.ctx.withRetries(`status ${status.wamid}`, () => adapter.showStatus(chat, state, record.status));
    } catch (error) {
      // The marker is a courtesy: an agent may have deleted the message it would go on. The state is
      // recorded above, and a failure is still explained in the thread below.
      this.ctx.logger.warn({ wamid: status.wamid, state, err: error }, 'delivery state could not be shown on the message');
    }
    if (state === 'failed') {
      await adapter.notify(conversation.thread, {
        kind: 'error',
        text: say(number.language, 'notice.status.failed', { code: error?.code ?? '?', reason: error?.details ?? error?.message ?? error?.title ?? '' }),
      });
    }
  }
}
