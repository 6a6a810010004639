/**
 * Text between Slack mrkdwn and WhatsApp formatting.
 *
 * The emphasis markers coincide: Slack and WhatsApp both write `*bold*`, `_italic_`, `~strike~`,
 * `` `inline code` `` and ```` ```code block``` ````, and `> ` starts a quote line in both (WhatsApp
 * added inline code and quotes in 2024; the Slack reference marks WhatsApp's rules unconfirmed, so
 * this file is the one place to change if that turns out wrong). What differs is Slack's envelope:
 * `&amp; &lt; &gt;` escaping and `<…>` tokens for links, mentions and dates, plus `:shortcode:` emoji.
 */
import { slackNameToUnicode } from './emoji.js';

/** Looks up a Slack user's display name; undefined when it is not known. */
export type UserNames = (userId: string) => string | undefined;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>' };

/**
 * One pass over the text, so that nothing produced by one rule is re-read by another (an unescaped
 * `&lt;` must not become a token; a URL in a token must not be searched for `:emoji:`):
 * 1. a `<…>` token, 2. an HTML entity, 3. `:name:` optionally followed by `:skin-tone-N:`.
 */
const SLACK_SYNTAX = /<([^<>]*)>|&(amp|lt|gt);|:([a-z0-9_+'-]+):(?::skin-tone-([2-6](?:-[2-6])?):)?/g;

/** Code spans and blocks, where `:name:` stays literal (entities and tokens are still Slack's). */
const CODE = /```[\s\S]*?```|`[^`\n]+`/g;

/** Slack mrkdwn (a message's `text`) → text for WhatsApp. */
export function slackToWhatsApp(mrkdwn: string, userNames: UserNames = () => undefined): string {
  let out = '';
  let last = 0;
  for (const code of mrkdwn.matchAll(CODE)) {
    out += decode(mrkdwn.slice(last, code.index), userNames, true) + decode(code[0], userNames, false);
    last = code.index + code[0].length;
  }
  return out + decode(mrkdwn.slice(last), userNames, true);
}

function decode(text: string, userNames: UserNames, emoji: boolean): string {
  return text.replace(SLACK_SYNTAX, (whole, token?: string, entity?: string, name?: string, tone?: string) => {
    if (token !== undefined) return decodeToken(token, userNames);
    if (entity !== undefined) return ENTITIES[entity]!;
    if (!emoji || name === undefined) return whole;
    return slackNameToUnicode(tone ? `${name}::skin-tone-${tone}` : name) ?? whole;
  });
}

function unescapeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt);/g, (_, entity: string) => ENTITIES[entity]!);
}

/** The inside of one `<…>` token: `target` or `target|label`. */
function decodeToken(token: string, userNames: UserNames): string {
  const bar = token.indexOf('|');
  const target = bar < 0 ? token : token.slice(0, bar);
  const label = bar < 0 ? undefined : unescapeEntities(token.slice(bar + 1)) || undefined;

  if (target.startsWith('@')) {
    const userId = target.slice(1);
    return `@${userNames(userId) ?? label ?? userId}`;
  }
  if (target.startsWith('#')) return `#${label ?? target.slice(1)}`;
  if (target.startsWith('!')) return decodeSpecial(target.slice(1), label);
  return decodeLink(unescapeEntities(target), label);
}

/** `<!here>`, `<!subteam^S1|@team>`, `<!date^…|fallback>` and the like. */
function decodeSpecial(command: string, label: string | undefined): string {
  const [name, argument] = command.split('^');
  switch (name) {
    case 'here':
    case 'channel':
    case 'everyone':
      return `@${name}`;
    case 'subteam':
      return label ?? `@${argument ?? 'team'}`;
    case 'date':
      return label ?? '';
    default:
      return label ?? `@${name}`;
  }
}

/**
 * `<http://x|label>` → `label (http://x)`; the bare URL when there is no label or the label only
 * repeats it (Slack turns a typed `example.com` into `<http://example.com|example.com>`, and the
 * agent should see what they typed). `mailto:` and `tel:` show the address, not the scheme.
 */
function decodeLink(url: string, label: string | undefined): string {
  const shown = url.replace(/^(mailto|tel):/i, '');
  if (label === undefined) return shown;
  const bare = (s: string) => s.replace(/^(https?:\/\/|mailto:|tel:)/i, '').replace(/\/$/, '');
  return bare(label) === bare(url) ? label : `${label} (${shown})`;
}

/** User ids mentioned with `<@U…>` in Slack text, so their names can be looked up before decoding. */
export function mentionedUserIds(mrkdwn: string): string[] {
  return [...new Set([...mrkdwn.matchAll(/<@([A-Z0-9]+)(?:\|[^>]*)?>/g)].map((m) => m[1]!))];
}

/**
 * WhatsApp text → Slack mrkdwn. Only `&`, `<` and `>` are escaped, as Slack asks: everything else,
 * WhatsApp's emphasis markers and every Unicode sequence (skin tones, ZWJ families, flags), passes
 * through unchanged.
 */
export function whatsAppToSlack(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/** Longest quoted text shown above a reply; the customer only needs enough to recognise it. */
export const MAX_QUOTE_LENGTH = 300;

/** A quoted message (WhatsApp text) as Slack `>` lines, author first when known. */
export function slackQuote(quote: { author?: string; text: string }): string {
  const lines = whatsAppToSlack(truncateGraphemes(quote.text, MAX_QUOTE_LENGTH)).split('\n');
  if (quote.author) lines.unshift(`*${whatsAppToSlack(quote.author)}*`);
  return lines.map((line) => `&gt; ${line}`).join('\n');
}

/** Cuts between user-perceived characters, so a family or flag emoji is never split in half. */
function truncateGraphemes(text: string, max: number): string {
  const graphemes = [...new Intl.Segmenter().segment(text)];
  if (graphemes.length <= max) return text;
  return `${graphemes
    .slice(0, max)
    .map((g) => g.segment)
    .join('')}…`;
}
