/**
 * The customer's side of the contact policy, applied to every inbound message in its conversation
 * lane: a blocked number's message goes no further (not stored, not posted) and gets the configured
 * auto-reply at most once per period; opt-out and opt-in keywords change the contact's status and
 * tell the thread.
 */
import { say } from '../catalogue.js';
import type { BridgeContext } from '../bridge-context.js';
import type { InboundMessage } from '../types.js';
import type { NumberConfig } from '../../config/types.js';
import { ContactPolicy } from './contact-policy.js';
import { DEFAULT_OPT_IN_KEYWORDS, DEFAULT_OPT_OUT_KEYWORDS, KeywordMatcher } from './keywords.js';

export const DEFAULT_BLOCKED_REPLY_INTERVAL_MS = 24 * 60 * 60 * 1000;

/** Content that is the customer writing, as opposed to reactions and WhatsApp's own notices. */
const ANSWERABLE = new Set(['text', 'media', 'location', 'contacts', 'button', 'interactive', 'order', 'unsupported']);

export class InboundPolicy {
  private readonly keywords: KeywordMatcher;

  constructor(private readonly ctx: BridgeContext) {
    const { optOutKeywords, optInKeywords } = ctx.config;
    this.keywords = new KeywordMatcher(optOutKeywords ?? DEFAULT_OPT_OUT_KEYWORDS, optInKeywords ?? DEFAULT_OPT_IN_KEYWORDS);
  }

  /**
   * True when the message is from a blocked number: the caller drops it. Nothing of it is stored; the
   * log line names ids only. The reply time is recorded before sending, so a crash in between costs
   * one reply, never a second one within the period.
   */
  async dropsBlocked(message: InboundMessage, number: NumberConfig): Promise<boolean> {
    const customerNumber = ContactPolicy.numberOf(message.customer);
    if (!customerNumber || !(await this.ctx.policy.isBlocked(customerNumber))) return false;
    this.ctx.logger.info({ numberId: number.phoneNumberId, wamid: message.wamid }, 'message from a blocked number dropped');
    if (!ANSWERABLE.has(message.content.kind)) return true;
    const now = this.ctx.now();
    const interval = this.ctx.config.blockedReplyIntervalMs ?? DEFAULT_BLOCKED_REPLY_INTERVAL_MS;
    if (!(await this.ctx.policy.blockedReplyDue(number.phoneNumberId, customerNumber, now, interval))) return true;
    await this.ctx.policy.noteBlockedReply(number.phoneNumberId, customerNumber, now);
    const text = this.ctx.config.blockedReplyText || say(number.language, 'blocked.reply');
    try {
      // Straight to WhatsApp, not through the outbox: the outbox belongs to stored conversations,
      // and a blocked number must not have one.
      await this.ctx.options.whatsapp.send(number.phoneNumberId, message.customer, { type: 'text', text });
    } catch (error) {
      this.ctx.logger.warn({ numberId: number.phoneNumberId, err: error }, 'auto-reply to a blocked number failed');
    }
    return true;
  }

  /** After the message is in its thread: an opt-out or opt-in keyword changes the contact's status. */
  async applyKeywords(message: InboundMessage, number: NumberConfig, conversationId: string): Promise<void> {
    if (message.content.kind !== 'text') return;
    const match = this.keywords.match(message.content.text);
    const customerNumber = ContactPolicy.numberOf(message.customer);
    if (!match || !customerNumber) return;
    const changed =
      match.kind === 'opt-out'
        ? await this.ctx.policy.optOut({ number: customerNumber, at: message.timestamp, source: { keyword: match.keyword } })
        : await this.ctx.policy.optIn(customerNumber);
    // Only a change is announced, so a replayed webhook does not repeat the notice.
    if (!changed) return;
    const thread = (await this.ctx.store.getConversation(conversationId))?.thread;
    if (!thread) return;
    const id = match.kind === 'opt-out' ? 'optout.keyword.thread' : 'optin.keyword.thread';
    await this.ctx.withRetries(`keyword notice ${message.wamid}`, () =>
      this.ctx.adapterFor(number).notify(thread, { kind: 'info', text: say(number.language, id, { keyword: match.keyword }) }),
    );
  }
}
