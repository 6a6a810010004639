/**
 * Text between WhatsApp and Cliq. Cliq's own markup uses the same `*bold*`, `_italic_`, `~strike~`
 * and ``` code as WhatsApp (reference zoho-cliq.md §3.4), so text passes through; only quotes and
 * Cliq's 5,000-character cap need care.
 */
export const CLIQ_MAX_TEXT = 5000;

export function cliqQuote(quote: { author?: string; text: string }): string {
  const lines = quote.text.split('\n').map((line) => `> ${line}`);
  if (quote.author) lines[0] = `> *${quote.author}*: ${quote.text.split('\n')[0] ?? ''}`;
  return lines.join('\n');
}

export function cliqText(text: string, quote?: { author?: string; text: string }): string {
  const body = quote ? `${cliqQuote(quote)}\n${text}` : text;
  // The core splits at `maxTextLength`; the quote may push a post over Cliq's hard cap.
  return body.length > CLIQ_MAX_TEXT ? `${body.slice(0, CLIQ_MAX_TEXT - 1)}…` : body;
}

/** Cliq user mentions arrive as `{@zuid}` markup in handler text; agents meant a name, not markup. */
export function cliqToWhatsApp(text: string, mentions: ReadonlyMap<string, string> = new Map()): string {
  return text.replace(/\{@([\w-]+)\}/g, (whole, id: string) => (mentions.has(id) ? `@${mentions.get(id)}` : whole));
}
