/**
 * The Adaptive Cards Puente posts. Teams cannot change a bot's display name per message (teams.md §8),
 * so a customer's messages are cards whose header names the customer (and number); the thread's root
 * is a card with the conversation's header text and its action buttons (`Action.Submit`, whose data
 * comes back as a message activity with `value` — adapters/teams/activity.ts).
 */
import type { PostSender, ThreadAction, ThreadHeader } from '../../bot/chat-adapter.js';
import type { ConnectorActivity } from './connector.js';
import type { CardActionValue } from './activity.js';
import { whatsAppToTeams } from './format.js';

export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';
/**
 * The hidden element that carries a post's key (`ChatPost.key`) inside its card: never shown
 * (`isVisible: false`), but Microsoft Graph returns the card as posted, so `findPosted` can read the
 * key back after a crash (adapters/teams/graph.ts).
 */
export const KEY_ELEMENT_ID = 'puente-key';
/** Teams supports Adaptive Cards up to 1.5 on desktop and web; 1.4 also renders on mobile. */
const CARD_VERSION = '1.4';

type CardElement = Record<string, unknown>;

function card(body: CardElement[], actions: CardElement[] = []): CardElement {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: CARD_VERSION,
    msteams: { width: 'Full' },
    body,
    ...(actions.length > 0 ? { actions } : {}),
  };
}

function textBlock(text: string, extra: CardElement = {}): CardElement {
  return { type: 'TextBlock', text, wrap: true, ...extra };
}

/**
 * A card as a message activity; `summary` is what notifications and the channel list show. With a
 * `key`, the card carries it in a hidden element (KEY_ELEMENT_ID).
 */
export function cardActivity(content: CardElement, summary: string, key?: string): ConnectorActivity {
  const card = key === undefined ? content : { ...content, body: [...((content.body as CardElement[] | undefined) ?? []), keyElement(key)] };
  return { type: 'message', summary: summary.slice(0, 200), attachments: [{ contentType: ADAPTIVE_CARD, content: card }] };
}

function keyElement(key: string): CardElement {
  return { type: 'TextBlock', id: KEY_ELEMENT_ID, text: key, isVisible: false };
}

/** A card with just text (notices and posts without a sender), so it too can carry a key. */
export function textCard(text: string): CardElement {
  return card([textBlock(whatsAppToTeams(text))]);
}

/** The name header of a post: avatar (when there is a picture), name, and a subtitle (the number). */
function senderHeader(sender: PostSender): CardElement {
  const name = [sender.iconUrl ? undefined : sender.iconEmoji, sender.name].filter(Boolean).join(' ');
  const names: CardElement[] = [textBlock(name, { weight: 'Bolder' })];
  if (sender.subtitle) names.push(textBlock(sender.subtitle, { isSubtle: true, spacing: 'None', size: 'Small' }));
  const columns: CardElement[] = [];
  if (sender.iconUrl) columns.push({ type: 'Column', width: 'auto', items: [{ type: 'Image', url: sender.iconUrl, style: 'Person', size: 'Small' }] });
  columns.push({ type: 'Column', width: 'stretch', verticalContentAlignment: 'Center', items: names });
  return { type: 'ColumnSet', columns };
}

function quoteBlock(quote: { author?: string; text: string }): CardElement {
  const items: CardElement[] = [];
  if (quote.author) items.push(textBlock(quote.author, { weight: 'Bolder', size: 'Small' }));
  items.push(textBlock(whatsAppToTeams(quote.text), { isSubtle: true, size: 'Small', maxLines: 4 }));
  return { type: 'Container', style: 'emphasis', items };
}

/** A post from the customer (or any post with a sender): header, quote, text. */
export function postCard(text: string, sender: PostSender | undefined, quote?: { author?: string; text: string }): CardElement {
  const body: CardElement[] = [];
  if (sender) body.push(senderHeader(sender));
  if (quote) body.push(quoteBlock(quote));
  if (text) body.push(textBlock(whatsAppToTeams(text)));
  return card(body);
}

/** The thread's root: the customer (name and number), the header text, and the conversation's actions. */
export function headerCard(header: ThreadHeader): CardElement {
  const body: CardElement[] = [];
  const who = header.customerName ?? header.customerNumber;
  if (who) {
    const subtitle = header.customerName && header.customerNumber ? header.customerNumber : undefined;
    body.push(senderHeader({ name: who, iconEmoji: '👤', ...(subtitle ? { subtitle } : {}) }));
  }
  body.push(textBlock(whatsAppToTeams(header.text)));
  return card(body, (header.actions ?? []).map(actionElement));
}

/** A button: a plain submit, or (when the action needs more words) a show-card with one input. */
function actionElement(action: ThreadAction): CardElement {
  const data: CardActionValue = { puente: 'action', command: action.command, text: action.text };
  const style = action.style === 'danger' ? 'destructive' : action.style === 'primary' ? 'positive' : undefined;
  if (!action.input) return { type: 'Action.Submit', title: action.label, data, ...(style ? { style } : {}) };
  return {
    type: 'Action.ShowCard',
    title: action.label,
    card: card(
      [
        textBlock(action.input.title, { weight: 'Bolder' }),
        { type: 'Input.Text', id: 'input', label: action.input.label, placeholder: action.input.placeholder ?? '', isRequired: true },
      ],
      [{ type: 'Action.Submit', title: action.input.submit, data, ...(style ? { style } : {}) }],
    ),
  };
}

/**
 * A customer's file stored in the channel's SharePoint folder: the post (header, quote, comment), then
 * the file — an icon, its name and size — and a button that opens it (`Action.OpenUrl` to the item's
 * `webUrl`, which Teams opens in its viewer for the people of the team).
 */
export function fileCard(
  text: string,
  sender: PostSender | undefined,
  quote: { author?: string; text: string } | undefined,
  file: { name: string; size: string; url: string; icon: string; open: string },
): CardElement {
  const content = postCard(text, sender, quote);
  const names: CardElement[] = [
    textBlock(file.name, { weight: 'Bolder' }),
    textBlock(file.size, { isSubtle: true, spacing: 'None', size: 'Small' }),
  ];
  (content.body as CardElement[]).push({
    type: 'Container',
    style: 'emphasis',
    selectAction: { type: 'Action.OpenUrl', url: file.url },
    items: [
      {
        type: 'ColumnSet',
        columns: [
          { type: 'Column', width: 'auto', verticalContentAlignment: 'Center', items: [textBlock(file.icon, { size: 'Large' })] },
          { type: 'Column', width: 'stretch', verticalContentAlignment: 'Center', items: names },
        ],
      },
    ],
  });
  return { ...content, actions: [{ type: 'Action.OpenUrl', title: file.open, url: file.url }] };
}
