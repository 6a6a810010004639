/**
 * Slack emoji names ↔ Unicode emoji.
 *
 * The table comes from `emoji-datasource` (iamcal's emoji-data), the data set Slack's own emoji
 * names come from, so `+1`, `thumbsup`, `flag-es`, `man-woman-girl` all resolve as Slack means them.
 * Skin tones are Slack's suffix `::skin-tone-N` (N = 2…6 for U+1F3FB…U+1F3FF); for the few emoji that
 * take two tones (couples, `handshake`) Slack's spelling is assumed to be `::skin-tone-N-M`
 * [unconfirmed: no Slack page states it]. Variation selectors (U+FE0F/U+FE0E) are ignored when
 * matching Unicode, because senders disagree on whether to include them.
 */
import { createRequire } from 'node:module';

/** One record of emoji-datasource's `emoji.json` (only the fields used here). */
interface EmojiDataRecord {
  unified: string;
  short_name: string;
  short_names: string[];
  /** Keyed by the tone modifier(s), e.g. `1F3FB` or `1F3FB-1F3FC`. */
  skin_variations?: Record<string, { unified: string }>;
}

interface EmojiTable {
  /** Every Slack name and alias → fully-qualified Unicode, plus its skin-tone variants by tone suffix. */
  byName: Map<string, { unicode: string; tones: Map<string, string> }>;
  /** Unicode without variation selectors → Slack's primary name (with `::skin-tone-…` when toned). */
  byUnicode: Map<string, string>;
}

/** U+1F3FB is Slack's skin-tone-2, … U+1F3FF is skin-tone-6. */
const FIRST_TONE_CODE_POINT = 0x1f3fb;
const VARIATION_SELECTORS = /[\uFE0E\uFE0F]/g;

let table: EmojiTable | undefined;

/** Loaded on first use: the JSON is 1.3 MB and most processes that import the adapter never need it. */
function emojiTable(): EmojiTable {
  table ??= buildTable(createRequire(import.meta.url)('emoji-datasource/emoji.json') as EmojiDataRecord[]);
  return table;
}

function buildTable(records: EmojiDataRecord[]): EmojiTable {
  const byName: EmojiTable['byName'] = new Map();
  const byUnicode: EmojiTable['byUnicode'] = new Map();
  for (const record of records) {
    const unicode = fromHexSequence(record.unified);
    const tones = new Map<string, string>();
    for (const [modifiers, variation] of Object.entries(record.skin_variations ?? {})) {
      const tone = toneSuffix(modifiers);
      const toned = fromHexSequence(variation.unified);
      tones.set(tone, toned);
      byUnicode.set(withoutVariationSelectors(toned), `${record.short_name}::skin-tone-${tone}`);
    }
    for (const name of record.short_names) byName.set(name, { unicode, tones });
    byUnicode.set(withoutVariationSelectors(unicode), record.short_name);
  }
  return { byName, byUnicode };
}

/** `1F3FC` → `3`; `1F3FB-1F3FD` → `2-4`; `1F3FC-1F3FC` → `3` (one tone written twice is one tone). */
function toneSuffix(modifiers: string): string {
  const tones = modifiers.split('-').map((hex) => String(parseInt(hex, 16) - FIRST_TONE_CODE_POINT + 2));
  return new Set(tones).size === 1 ? tones[0]! : tones.join('-');
}

function fromHexSequence(unified: string): string {
  return String.fromCodePoint(...unified.split('-').map((hex) => parseInt(hex, 16)));
}

function withoutVariationSelectors(emoji: string): string {
  return emoji.replace(VARIATION_SELECTORS, '');
}

/**
 * Slack name (with or without colons, optionally `::skin-tone-N`) → Unicode emoji, or undefined for
 * names Slack's standard set does not have (custom workspace emoji). A tone the emoji does not come
 * in is dropped rather than failing: 👍 is a better relay than nothing.
 */
export function slackNameToUnicode(name: string): string | undefined {
  const [base, tone] = name.replace(/^:|:$/g, '').split('::skin-tone-');
  const entry = emojiTable().byName.get(base ?? '');
  if (!entry) return undefined;
  return (tone !== undefined && entry.tones.get(tone)) || entry.unicode;
}

/** Unicode emoji → the Slack name to use in `reactions.add` (no colons), or undefined if Slack has none. */
export function unicodeToSlackName(emoji: string): string | undefined {
  return emojiTable().byUnicode.get(withoutVariationSelectors(emoji.trim()));
}
