/**
 * Turns a customer's message into the text agents read in the thread. Every sentence comes from the
 * catalogue; the customer's own words pass through untouched.
 */
import { say, type Language, type MessageId } from './catalogue.js';
import type { ContactCard, InboundContent, InboundMessage } from './types.js';

export function describeMedia(language: Language, content: Extract<InboundContent, { kind: 'media' }>): string {
  const kindId: MessageId =
    content.mediaType === 'audio' && content.voice ? 'inbound.media.kind.voice' : `inbound.media.kind.${content.mediaType}`;
  const name = content.filename ? `: ${content.filename}` : '';
  return say(language, 'inbound.media', { kind: say(language, kindId), name, caption: content.caption ?? '' });
}

/** "María López, Acme (+34 600 000 000, maria@acme.es)": enough to call or write without opening anything. */
function contactNames(contacts: ContactCard[]): string {
  return contacts
    .map((card) => {
      const name = card.company ? `${card.formattedName}, ${card.company}` : card.formattedName;
      const ways = [...card.phones.map((phone) => phone.phone), ...card.emails.map((email) => email.email)].join(', ');
      return ways ? `${name} (${ways})` : name;
    })
    .join('; ');
}

/** The body text for a content item; undefined for kinds that are not posted as text (reactions). */
export function renderContent(language: Language, content: InboundContent): string | undefined {
  switch (content.kind) {
    case 'text':
      return content.text;
    case 'media':
      // The file itself is bridged by bot/inbound-media.ts; this is its description (quotes, edits).
      return describeMedia(language, content);
    case 'location':
      return say(language, 'inbound.location', {
        name: content.name ?? '',
        address: content.address ?? '',
        lat: content.latitude,
        lng: content.longitude,
      });
    case 'contacts':
      return say(language, 'inbound.contacts', { names: contactNames(content.contacts) });
    case 'button':
      return say(language, 'inbound.button', { text: content.text });
    case 'interactive':
      return say(language, 'inbound.interactive', { title: content.title ?? content.body ?? content.id ?? content.replyType });
    case 'order':
      return say(language, 'inbound.order', {
        count: content.items.length,
        items: content.items
          .map((item) => `${item.quantity} × ${item.productId}${item.price !== undefined ? ` (${item.price} ${item.currency ?? ''})` : ''}`)
          .join(', '),
      });
    case 'system':
      return content.systemType === 'user_changed_number' && content.newWaId
        ? say(language, 'inbound.system.number', { number: `+${content.newWaId}` })
        : say(language, 'inbound.system.other', { body: content.body });
    case 'unsupported':
      return say(language, 'inbound.unsupported', { type: content.type });
    case 'edit':
    case 'revoke':
    case 'reaction':
      // These refer to another message; the bridge renders them with that message in hand.
      return undefined;
  }
}

/** Lines that go before the body: forwarded flags and the ad the customer came from. */
export function renderPreamble(language: Language, message: InboundMessage): string[] {
  const lines: string[] = [];
  if (message.context?.frequentlyForwarded) lines.push(say(language, 'inbound.forwarded.many'));
  else if (message.context?.forwarded) lines.push(say(language, 'inbound.forwarded'));
  if (message.referral) {
    lines.push(say(language, 'inbound.referral', { headline: message.referral.headline ?? message.referral.body ?? '', url: message.referral.sourceUrl ?? '' }));
  }
  return lines;
}
