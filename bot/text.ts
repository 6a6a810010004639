/**
 * Text helpers shared by both directions.
 */

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Splits `text` into parts of at most `max` UTF-16 units (a conservative reading of "characters"),
 * in order, preferring paragraph, line, then word boundaries, and never cutting inside a grapheme
 * (an emoji with skin tone, a ZWJ family or a flag stays whole).
 */
export function splitText(text: string, max: number): string[] {
  if (max < 8) throw new RangeError('splitText: max too small');
  if (text.length <= max) return [text];
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const cut = chooseCut(rest, max);
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).replace(/^[ \t]*\n?/, '');
  }
  if (rest.length > 0) parts.push(rest);
  return parts.filter((part) => part.length > 0);
}

function chooseCut(text: string, max: number): number {
  const window = text.slice(0, max + 1);
  // Prefer a natural boundary in the second half of the window, so parts are not tiny.
  for (const boundary of ['\n\n', '\n', ' ']) {
    const at = window.lastIndexOf(boundary, max - boundary.length);
    if (at >= max / 2) return at + boundary.length;
  }
  return lastGraphemeBoundary(text, max);
}

/** The largest grapheme boundary ≤ max. */
function lastGraphemeBoundary(text: string, max: number): number {
  let boundary = 0;
  for (const { index } of graphemes.segment(text.slice(0, max + 32))) {
    if (index > max) break;
    boundary = index;
  }
  // A single grapheme longer than max (absurd, but possible): cut at max rather than loop forever.
  return boundary > 0 ? boundary : max;
}

/** A short excerpt for quotes: first line-ish, at most `max` units, cut on a grapheme boundary. */
export function excerpt(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  return `${flat.slice(0, lastGraphemeBoundary(flat, max - 1))}…`;
}
