/**
 * Sends a filled template to a customer through the outbox, like an agent's reply, so it is paced,
 * retried, crash-safe and shows its delivery status. A conversation that does not exist yet is
 * created and its thread opened: outbound-first conversations are visible like any other. The
 * thread gets a post saying what was sent and by whom; the delivery status shows on that post.
 */
import { randomUUID } from 'node:crypto';
import { say } from '../catalogue.js';
import { conversationIdOf, type BridgeContext } from '../bridge-context.js';
import type { ReplyDelivery } from '../reply-delivery.js';
import { excerpt } from '../text.js';
import type { Conversation, TemplateSend, ThreadRef } from '../types.js';
import type { NumberConfig } from '../../config/types.js';
import type { OutboxItem } from '../../storage/store.js';

export interface TemplateDispatch {
  line: NumberConfig;
  /** E.164 digits of the customer. */
  number: string;
  send: TemplateSend;
  /** What the customer will read, for the thread. */
  preview: string;
  /** How the thread names who sent it. */
  agent: string;
}

export class TemplateSender {
  constructor(
    private readonly ctx: BridgeContext,
    private readonly replies: ReplyDelivery,
  ) {}

  /** Resolves once the send is in the outbox (it goes out right after) and the thread shows it. */
  async dispatch(dispatch: TemplateDispatch): Promise<ThreadRef> {
    const { line, number } = dispatch;
    const customerKey = `wa:${number}`;
    const conversationId = conversationIdOf(line.phoneNumberId, customerKey);
    // The inbound lane: a customer message arriving meanwhile must not open a second thread.
    return this.ctx.lanes.run(`in:${conversationId}`, async () => {
      const conversation: Conversation = (await this.ctx.store.getConversation(conversationId)) ?? {
        id: conversationId,
        numberId: line.phoneNumberId,
        customerKey,
        customer: { waId: number },
        createdAt: this.ctx.now(),
      };
      const adapter = this.ctx.adapterFor(line);
      const thread = await this.ctx.threads.ensure(conversation, line, adapter, { recovered: false, startedBy: 'business' });
      const key = `template:${randomUUID()}`;
      const text = say(line.language, 'template.thread.post', { agent: dispatch.agent, name: dispatch.send.name, language: dispatch.send.language, text: dispatch.preview });
      const chat = await this.ctx.withRetries(`template post ${key}`, () => adapter.post(thread, { text, key }));
      const item: OutboxItem = {
        id: `${key}#0`,
        messageKey: key,
        conversationId,
        numberId: line.phoneNumberId,
        payload: { type: 'template', template: dispatch.send },
        createdAt: this.ctx.now(),
      };
      // Outbox first, as for agents' replies (bot/agent-relay.ts).
      await this.ctx.store.appendOutbox([item]);
      await this.ctx.store.insertMessage({ key, direction: 'out', conversationId, wamids: [], chat, excerpt: excerpt(dispatch.preview), at: this.ctx.now() });
      this.replies.queue(item, {});
      return thread;
    });
  }
}
