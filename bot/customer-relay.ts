/**
 * WhatsApp → chat tool: a customer's message finds (or opens) its conversation's thread and is posted
 * there under the customer's name; reactions land on the message they react to.
 */
import type { ChatAdapter, PostSender } from './chat-adapter.js';
import { say, type Language } from './catalogue.js';
import { conversationIdOf, type BridgeContext } from './bridge-context.js';
import { mediaUnfinished, type InboundMedia } from './inbound-media.js';
import { renderContent, renderPreamble } from './render-inbound.js';
import { excerpt } from './text.js';
import type { ChatMessageRef, Conversation, InboundMessage, ThreadRef } from './types.js';
import type { NumberConfig } from '../config/types.js';

export class CustomerRelay {
  constructor(
    private readonly ctx: BridgeContext,
    private readonly media: InboundMedia,
  ) {}

  /** Work on `wamid` that outlives its handling (a customer file being retried); the webhook waits for it. */
  followUp(wamid: string): Promise<void> | undefined {
    return this.media.followUp(wamid);
  }

  async handleInbound(message: InboundMessage, number: NumberConfig, customerKey: string, recovered: boolean): Promise<void> {
    const existing = await this.ctx.store.getMessage(message.wamid);
    // A customer file whose transfer was interrupted is not a duplicate: its handling resumes.
    if (existing && !mediaUnfinished(existing)) {
      // The message record and the conversation's new state are two writes (below): a replay after
      // a crash or a failed write between them puts the conversation right before skipping.
      const { conversation, changed } = await this.conversationFor(message, number, customerKey);
      if (changed) await this.ctx.store.saveConversation(conversation);
      this.ctx.logger.debug({ wamid: message.wamid }, 'duplicate message skipped');
      return;
    }
    const { conversation, changed } = await this.conversationFor(message, number, customerKey);
    // The conversation's new state (the window's start, the customer's name) is saved beside the
    // message record, after the post, so its fsync does not stand between the customer and the
    // thread; if it is lost, the replay of the webhook recomputes it (the duplicate branch above).
    const saveConversation = (): Promise<void> => (changed ? this.ctx.store.saveConversation(conversation) : Promise.resolve());
    const adapter = this.ctx.adapterFor(number);
    const thread = await this.ensureThread(conversation, number, adapter, recovered);
    const language = number.language;
    const content = message.content;

    let chat: ChatMessageRef | undefined;
    let text: string | undefined;
    if (content.kind === 'reaction') {
      await this.relayCustomerReaction(content.targetWamid, content.emoji, thread, adapter, language);
    } else {
      let quote: { author?: string; text: string } | undefined;
      if (content.kind === 'edit' || content.kind === 'revoke') {
        const original = await this.ctx.store.findMessageByWamid(content.targetWamid);
        if (original?.excerpt) quote = { text: original.excerpt };
        text =
          content.kind === 'revoke'
            ? say(language, 'inbound.revoke')
            : say(language, original ? 'inbound.edit' : 'inbound.edit.unknown', { text: renderContent(language, content.content) ?? '' });
      } else {
        text = renderContent(language, content) ?? '';
        if (message.context?.quotedWamid) {
          const quoted = await this.ctx.store.findMessageByWamid(message.context.quotedWamid);
          if (quoted?.excerpt) quote = { text: quoted.excerpt, author: quoted.direction === 'in' ? conversation.customer.name : number.displayName };
        }
      }
      if (content.kind === 'media') {
        // The file itself goes into the thread; bot/inbound-media.ts records the message.
        const sender = this.customerSender(conversation);
        // One after the other: a failed save must not leave a transfer running while a retry starts another.
        await saveConversation();
        await this.media.relay({ message, content, conversation, thread, number, adapter, sender, quote, recovered }, existing);
        return;
      }
      const body = [...renderPreamble(language, message), text].filter((line) => line.length > 0).join('\n');
      const key = `in:${message.wamid}`;
      chat = recovered ? await adapter.findPosted(thread.channel, thread, key) : undefined;
      chat ??= await adapter.post(thread, { text: body, sender: this.customerSender(conversation), quote, key });
    }

    // The conversation is written first: in the embedded journal, which is durable in order, a durable
    // message record then implies a durable conversation, and both usually share one fsync.
    const conversationSaved = saveConversation();
    const recorded = this.ctx.store.insertMessage({
      key: message.wamid,
      direction: 'in',
      conversationId: conversation.id,
      wamids: [message.wamid],
      chat,
      excerpt: text ? excerpt(text) : undefined,
      at: message.timestamp,
    });
    await Promise.all([conversationSaved, recorded]);
  }

  private customerSender(conversation: Conversation): PostSender {
    const { customer } = conversation;
    const name = customer.name ?? (customer.waId ? `+${customer.waId}` : customer.username ?? 'WhatsApp');
    const subtitle = customer.name && customer.waId ? `+${customer.waId}` : undefined;
    return { name, iconUrl: this.ctx.config.customerIconUrl, iconEmoji: '👤', ...(subtitle ? { subtitle } : {}) };
  }

  private async relayCustomerReaction(
    targetWamid: string,
    emoji: string | undefined,
    thread: ThreadRef,
    adapter: ChatAdapter,
    language: Language,
  ): Promise<void> {
    const target = await this.ctx.store.findMessageByWamid(targetWamid);
    const removed = !emoji;
    if (!target?.chat) {
      if (!removed) await adapter.notify(thread, { kind: 'info', text: say(language, 'inbound.reaction.unknown', { emoji }) });
      return;
    }
    if (!adapter.capabilities.reactions) {
      if (!removed) await adapter.post(thread, { text: `${emoji}`, key: `reaction:${targetWamid}:${emoji}` });
      return;
    }
    // WhatsApp allows one reaction per person per message: a new one replaces the old.
    if (target.reaction && target.reaction !== emoji) await adapter.react(target.chat, target.reaction, true);
    if (emoji) await adapter.react(target.chat, emoji, false);
    await this.ctx.store.updateMessage(target.key, { reaction: emoji ?? '' });
  }

  /** The conversation as this message leaves it, and whether that differs from what is stored. */
  private async conversationFor(message: InboundMessage, number: NumberConfig, customerKey: string): Promise<{ conversation: Conversation; changed: boolean }> {
    const id = conversationIdOf(number.phoneNumberId, customerKey);
    const existing = await this.ctx.store.getConversation(id);
    // System notices (number changed, …) are not the customer writing: they do not open the window.
    const opensWindow = message.content.kind !== 'system';
    const conversation: Conversation = existing
      ? { ...existing, customer: { ...existing.customer, ...definedFields(message.customer) } }
      : { id, numberId: number.phoneNumberId, customerKey, customer: message.customer, createdAt: this.ctx.now() };
    if (opensWindow && message.timestamp > (conversation.lastInboundAt ?? 0)) conversation.lastInboundAt = message.timestamp;
    return { conversation, changed: !existing || JSON.stringify(existing) !== JSON.stringify(conversation) };
  }

  /** Opening a thread (header, first contact, triage) is bot/thread-opener.ts's job, shared with outbound-first sends. */
  private ensureThread(conversation: Conversation, number: NumberConfig, adapter: ChatAdapter, recovered: boolean): Promise<ThreadRef> {
    return this.ctx.threads.ensure(conversation, number, adapter, { recovered });
  }
}

function definedFields<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined && field !== '')) as Partial<T>;
}
