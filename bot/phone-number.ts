/**
 * Phone numbers typed by people (`+34 611 11 11 11`, `34-611-111-111`, `0034611111111`) → E.164.
 *
 * WhatsApp ids (`wa_id`) are E.164 without the `+`, so the E.164 form is what every list (blocked,
 * opted out, do-not-contact) is keyed by. Validation is `isPossible` (the length fits the country's
 * plan) rather than `isValid` (the number is in an allocated range): allocated ranges change faster
 * than any metadata release, and refusing a real customer's number is worse than accepting a typo
 * of the right length.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

export type PhoneNumberResult = { ok: true; e164: string; digits: string } | { ok: false; input: string };

/** Characters people put into numbers besides digits. */
const DECORATION = /[\s\-().\u00a0/]/g;

/**
 * Normalises one typed number. Without `+` or `00` the digits may be an international number
 * (WhatsApp shows numbers that way: `34611111111`) or a national number of `defaultCountry` (the
 * business line's country: `611 111 111` on a Spanish line).
 */
export function normalisePhoneNumber(input: string, defaultCountry?: CountryCode): PhoneNumberResult {
  const compact = input.trim().replace(DECORATION, '');
  if (!/^(\+|00)?\d{4,17}$/.test(compact)) return { ok: false, input };
  const explicit = compact.startsWith('+') || compact.startsWith('00');
  const international = parsePhoneNumberFromString(compact.startsWith('+') ? compact : compact.startsWith('00') ? `+${compact.slice(2)}` : `+${compact}`);
  const national = !explicit && defaultCountry ? parsePhoneNumberFromString(compact, defaultCountry) : undefined;
  // A number in an allocated range beats one that merely has a possible length; at equal footing
  // the line's own country wins, since `611 111 111` typed on a Spanish line means Spain.
  const best = [national?.isValid() && national, international?.isValid() && international, international?.isPossible() && international, national?.isPossible() && national].find(Boolean);
  return best ? { ok: true, e164: best.number, digits: best.number.slice(1) } : { ok: false, input };
}

/** The country of an E.164 number or WhatsApp display number, to read national numbers typed on that line. */
export function countryOf(number: string | undefined): CountryCode | undefined {
  if (!number) return undefined;
  const digits = number.replace(/\D/g, '');
  return digits ? parsePhoneNumberFromString(`+${digits}`)?.country : undefined;
}

/**
 * Reads a number typed as several words (`+34 611 11 11 11 reason…`) off the front of `words`:
 * the longest run of number-like words that makes a possible number wins, so a trailing numeric
 * argument (`… +34611111111 8841`) is left for the caller. Returns how many words it used.
 */
export function takePhoneNumber(
  words: readonly string[],
  defaultCountry?: CountryCode,
): { number: Extract<PhoneNumberResult, { ok: true }>; used: number } | { error: string } | undefined {
  let run = 0;
  while (run < words.length && /^[+\d\-().]+$/.test(words[run]!)) run += 1;
  if (run === 0) return words.length === 0 ? undefined : { error: words[0]! };
  for (let used = run; used > 0; used -= 1) {
    const result = normalisePhoneNumber(words.slice(0, used).join(''), defaultCountry);
    if (result.ok) return { number: result, used };
  }
  return { error: words.slice(0, run).join(' ') };
}
