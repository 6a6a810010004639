/**
 * Finds or opens a conversation's thread, and writes its header: who the customer is, whether the
 * number is a first contact (never seen on any line), and buttons for the actions slash commands
 * cannot offer inside a thread. A first contact opens in the triage channel when one is configured
 * (TRIAGE_CHANNEL_ID) and stays there; everything else opens in its number's channel.
 */
import type { ChatAdapter, ThreadAction } from './chat-adapter.js';
import { say, type Language } from './catalogue.js';
import { conversationIdOf, type BridgeContext } from './bridge-context.js';
import type { Conversation, ThreadRef } from './types.js';
import type { NumberConfig } from '../config/types.js';

export interface EnsureThreadOptions {
  /** After a crash: look for a thread root posted before it, rather than posting a second one. */
  recovered: boolean;
  /** `business`: the conversation starts with a template sent from the chat tool, not with the customer writing. */
  startedBy?: 'customer' | 'business';
}

export class ThreadOpener {
  constructor(private readonly ctx: BridgeContext) {}

  async ensure(conversation: Conversation, number: NumberConfig, adapter: ChatAdapter, options: EnsureThreadOptions): Promise<ThreadRef> {
    const current = conversation.thread;
    const triage = this.ctx.config.triageChannel;
    // A thread stays valid while the number still routes to the same adapter and channel (or it is in triage).
    if (current && current.adapter === adapter.name && (current.channel === number.channel || current.channel === triage)) return current;

    const startedBy = options.startedBy ?? 'customer';
    const firstContact = current === undefined && !(await this.isKnownElsewhere(conversation));
    const channel = firstContact && triage && startedBy === 'customer' ? triage : number.channel;
    const key = `thread:${conversation.id}:${adapter.name}:${channel}`;
    let thread: ThreadRef | undefined;
    if (options.recovered) {
      const root = await adapter.findPosted(channel, undefined, key);
      if (root) thread = { adapter: adapter.name, channel: root.channel, id: root.id };
    }
    if (!thread) {
      const language = number.language;
      const { customer } = conversation;
      const customerName = customer.name ?? say(language, 'customer.unknown');
      const customerNumber = customer.waId ? `+${customer.waId}` : customer.username ?? customer.userId ?? '';
      const about = { customer: customerName, number: customerNumber, line: number.displayName };
      const opening =
        startedBy === 'business'
          ? say(language, 'thread.header.outbound', about)
          : say(language, firstContact ? 'thread.header.new' : 'thread.header.returning', about);
      const text = [
        opening,
        firstContact && startedBy === 'customer' ? say(language, 'thread.header.first') : '',
        channel !== number.channel ? say(language, 'thread.header.triage', { line: number.displayName }) : '',
        say(language, 'thread.header.hint', { notePrefix: this.ctx.config.internalNotePrefix }),
      ].filter(Boolean);
      thread = await adapter.openThread(channel, {
        customerName,
        customerNumber,
        lineName: number.displayName,
        returning: !firstContact,
        text: text.join('\n'),
        key,
        actions: customer.waId ? threadActions(language) : undefined,
      });
    }
    conversation.thread = thread;
    await this.ctx.store.saveConversation(conversation);
    return thread;
  }

  /** A customer is known when another business line already talks with them. */
  private async isKnownElsewhere(conversation: Conversation): Promise<boolean> {
    for (const numberId of this.ctx.numbers.keys()) {
      if (numberId === conversation.numberId) continue;
      if (await this.ctx.store.getConversation(conversationIdOf(numberId, conversation.customerKey))) return true;
    }
    return false;
  }
}

/** The per-conversation actions on every thread header; the core checks them like typed commands. */
export function threadActions(language: Language): ThreadAction[] {
  return [
    {
      id: 'template',
      label: say(language, 'action.template'),
      command: 'template',
      text: 'send',
      style: 'primary',
      input: {
        title: say(language, 'action.template.title'),
        label: say(language, 'action.template.label'),
        placeholder: 'order_update es 8841',
        submit: say(language, 'action.template.submit'),
      },
    },
    { id: 'block', label: say(language, 'action.block'), command: 'block', text: '', style: 'danger' },
    { id: 'unblock', label: say(language, 'action.unblock'), command: 'unblock', text: '' },
  ];
}
