/**
 * Chat tool → WhatsApp: an agent's reply in a bridged thread is checked against WhatsApp's rules
 * (internal notes, the 24-hour window), signed in `agent` sender mode, split to WhatsApp's length,
 * stored in the outbox and only then acknowledged to the chat tool.
 */
import { catalogue, fill, say, type Language } from './catalogue.js';
import type { BridgeContext } from './bridge-context.js';
import { limitsToWhatsApp } from './media-limits.js';
import { planAgentReply, rejectedFileNotice } from './outbound-files.js';
import type { ReplyDelivery } from './reply-delivery.js';
import { excerpt } from './text.js';
import type { AgentChange, AgentMessage, AgentReaction } from './types.js';
import type { MessageRecord, OutboxItem } from '../storage/store.js';

/** WhatsApp's text body limit. */
export const WHATSAPP_TEXT_LIMIT = 4096;

export class AgentRelay {
  constructor(
    private readonly ctx: BridgeContext,
    private readonly replies: ReplyDelivery,
  ) {}

  async onAgentMessage(message: AgentMessage): Promise<void> {
    const found = await this.ctx.conversationForThread(message.thread);
    if (!found) return; // a thread Puente did not open
    const { conversation, number } = found;
    const text = message.text.trim();
    if (text.startsWith(this.ctx.config.internalNotePrefix)) return; // internal note: stays in the chat tool
    if (await this.ctx.store.getMessage(message.key)) return; // the chat tool retried an event already taken

    const adapter = this.ctx.adapterFor(number);
    const record: MessageRecord = {
      key: message.key,
      direction: 'out',
      conversationId: conversation.id,
      wamids: [],
      chat: message.ref,
      // A reply of files alone is quoted by their names.
      excerpt: excerpt(text || (message.files ?? []).map((file) => file.name).join(', ')),
      at: message.timestamp,
    };
    const files = message.files ?? [];
    if (text.length === 0 && files.length === 0) {
      if (await this.ctx.store.insertMessage(record)) {
        await adapter.notify(message.thread, { kind: 'warning', text: say(number.language, 'notice.empty.reply'), onlyTo: message.agent.id });
      }
      return;
    }
    if (!this.ctx.windowOpen(conversation)) {
      // Enforced here, not left to WhatsApp's 131047: the agent learns at once, in the thread.
      if (await this.ctx.store.insertMessage({ ...record, status: 'failed', error: { code: 131047, title: 'window closed' } })) {
        await adapter.notify(message.thread, { kind: 'warning', text: say(number.language, 'notice.window.closed') });
        await this.ctx.withRetries(`status ${message.key}`, () => adapter.showStatus(message.ref, 'failed'));
      }
      return;
    }

    // Files alone go unsigned: a signature with nothing after it would read as a mistake.
    const body = text.length > 0 && number.senderMode === 'agent' ? this.signed(number.language, message.agent.displayName ?? message.agent.id, text) : text;
    const plan = planAgentReply(body, files, limitsToWhatsApp(adapter.capabilities.maxFileBytes), WHATSAPP_TEXT_LIMIT);
    const items: OutboxItem[] = plan.payloads.map((payload, index) => ({
      id: `${message.key}#${index}`,
      messageKey: message.key,
      conversationId: conversation.id,
      numberId: number.phoneNumberId,
      payload,
      createdAt: this.ctx.now(),
    }));
    // Told before the outbox write: a crash in between repeats a notice rather than losing it.
    for (const { file, problem } of plan.rejected) {
      await adapter.notify(message.thread, { kind: 'warning', text: rejectedFileNotice(number.language, file, { problem }) });
    }
    if (items.length === 0) {
      // Every file was refused and there was no text: nothing goes, and the message shows it.
      if (await this.ctx.store.insertMessage({ ...record, status: 'failed', error: { code: 0, title: 'files refused' } })) {
        await this.ctx.withRetries(`status ${message.key}`, () => adapter.showStatus(message.ref, 'failed'));
      }
      return;
    }
    // Outbox first: if we die between the two writes, the chat tool's retry finds no record and
    // completes the second write, while the outbox already holds the sends (ids make it idempotent).
    await this.ctx.store.appendOutbox(items);
    await this.ctx.store.insertMessage(record);
    for (const item of items) this.replies.queue(item, {});
  }

  private signed(language: Language, agent: string, text: string): string {
    const template = this.ctx.config.agentSignature || catalogue(language)['reply.signature'];
    return fill(template, { agent, text });
  }

  async onAgentReaction(reaction: AgentReaction): Promise<void> {
    const target = await this.ctx.store.findMessageByChatRef(reaction.target);
    // Only reactions on the customer's own messages go to WhatsApp; the rest is agents talking.
    if (!target || target.direction !== 'in') return;
    const conversation = await this.ctx.store.getConversation(target.conversationId);
    const number = conversation && this.ctx.numbers.get(conversation.numberId);
    if (!conversation?.thread || !number) return;
    if (this.replies.isQueued(reaction.key) || (await this.ctx.store.getOutboxResult(reaction.key))) return;
    const adapter = this.ctx.adapterFor(number);
    if (!reaction.emoji) {
      await adapter.notify(conversation.thread, {
        kind: 'info',
        text: say(number.language, 'notice.reaction.unsupported', { name: reaction.emojiName }),
        onlyTo: reaction.agent.id,
      });
      return;
    }
    if (!this.ctx.windowOpen(conversation)) {
      await adapter.notify(conversation.thread, { kind: 'warning', text: say(number.language, 'notice.window.closed'), onlyTo: reaction.agent.id });
      return;
    }
    const item: OutboxItem = {
      id: reaction.key,
      messageKey: reaction.key,
      conversationId: conversation.id,
      numberId: number.phoneNumberId,
      payload: { type: 'reaction', targetWamid: target.key, emoji: reaction.removed ? '' : reaction.emoji },
      createdAt: this.ctx.now(),
    };
    await this.ctx.store.appendOutbox([item]);
    this.replies.queue(item, { notifyAgent: reaction.agent.id });
  }

  async onAgentChange(change: AgentChange): Promise<void> {
    const record = await this.ctx.store.findMessageByChatRef(change.target);
    if (!record || record.direction !== 'out') return; // never relayed (internal note, other thread)
    const found = await this.ctx.conversationForThread(change.thread);
    if (!found) return;
    const adapter = this.ctx.adapterFor(found.number);
    const id = change.kind === 'edit' ? 'notice.edit.unsupported' : 'notice.delete.unsupported';
    await adapter.notify(change.thread, { kind: 'warning', text: say(found.number.language, id), onlyTo: change.agent.id });
  }
}
