/**
 * Meta's webhook signature: `X-Hub-Signature-256: sha256=<64 hex>`, the HMAC-SHA256 of the request
 * body bytes keyed with the app secret (reference §1.2).
 *
 * Always over the raw bytes: Meta signs an escaped-unicode serialisation, so anything re-encoded
 * (`JSON.stringify(JSON.parse(body))`) hashes differently as soon as a customer writes "ñ".
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const SIGNATURE_HEADER_FORMAT = /^sha256=([0-9a-fA-F]{64})$/;

/** The `X-Hub-Signature-256` value Meta would send for `rawBody` (tests and emulators sign with it). */
export function signBody(rawBody: Buffer | string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

/**
 * True only when `header` is a well-formed signature of exactly these bytes. Never throws: a
 * missing or malformed header, or an empty secret (misconfiguration), is simply not valid.
 */
export function verifySignature(rawBody: Buffer, header: string | undefined, appSecret: string): boolean {
  try {
    if (typeof header !== 'string' || !appSecret || !Buffer.isBuffer(rawBody)) return false;
    const match = SIGNATURE_HEADER_FORMAT.exec(header.trim());
    if (!match?.[1]) return false;
    // Both sides are 32 raw bytes here, so timingSafeEqual cannot throw on a length mismatch and the
    // comparison time does not depend on where the first differing byte is.
    const received = Buffer.from(match[1], 'hex');
    const expected = createHmac('sha256', appSecret).update(rawBody).digest();
    return received.length === expected.length && timingSafeEqual(received, expected);
  } catch {
    return false;
  }
}
