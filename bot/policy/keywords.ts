/**
 * Opt-out and opt-in keywords (STOP, BAJA, START, …): a customer message counts only when the whole
 * message is the keyword, compared without case, accents or surrounding punctuation, so "Baja." and
 * "báJA" opt out while "no pares, stop the delivery" does not.
 */

/** English and Spanish words customers use; operators add their own (OPT_OUT_KEYWORDS, OPT_IN_KEYWORDS). */
export const DEFAULT_OPT_OUT_KEYWORDS: readonly string[] = ['STOP', 'BAJA', 'UNSUBSCRIBE'];
export const DEFAULT_OPT_IN_KEYWORDS: readonly string[] = ['START', 'ALTA'];

/** Upper case, accents and other combining marks removed, surrounding non-letters trimmed. */
export function normaliseKeyword(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
}

export type KeywordMatch = { kind: 'opt-out' | 'opt-in'; keyword: string };

export class KeywordMatcher {
  private readonly optOut: Set<string>;
  private readonly optIn: Set<string>;

  constructor(optOutKeywords: readonly string[], optInKeywords: readonly string[]) {
    this.optOut = new Set(optOutKeywords.map(normaliseKeyword).filter(Boolean));
    this.optIn = new Set(optInKeywords.map(normaliseKeyword).filter(Boolean));
  }

  match(text: string): KeywordMatch | undefined {
    // Keywords are single short words; a long message is never one (and is not worth normalising).
    if (text.length > 40) return undefined;
    const word = normaliseKeyword(text);
    if (this.optOut.has(word)) return { kind: 'opt-out', keyword: text.trim() };
    if (this.optIn.has(word)) return { kind: 'opt-in', keyword: text.trim() };
    return undefined;
  }
}
