/**
 * Identifiers shaped like Meta's. A real wamid is base64 of a small binary record holding the
 * customer's number and an 18-hex-digit message id (`wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjZC…`);
 * mimicking it keeps length/charset assumptions in the bridge honest (Meta: up to 128 chars).
 */
import { randomBytes } from 'node:crypto';

/** Random per-process prefix plus a counter: unique without bookkeeping. */
const processPrefix = randomBytes(3).toString('hex').toUpperCase();
let counter = 0;

export function newWamid(customerId: string): string {
  counter += 1;
  const messageId = processPrefix + counter.toString(16).toUpperCase().padStart(12, '0');
  const party = Buffer.from(customerId.slice(0, 64), 'utf8');
  const record = Buffer.concat([
    Buffer.from([0x1c, 0x18, party.length]),
    party,
    Buffer.from([0x15, 0x02, 0x00, 0x11, 0x18, messageId.length]),
    Buffer.from(messageId, 'ascii'),
    Buffer.from([0x00]),
  ]);
  return `wamid.${record.toString('base64')}`;
}

let mediaCounter = Math.floor(Math.random() * 1e6);

/** Media ids are 15–16 digit numbers in Meta's examples. */
export function newMediaId(): string {
  mediaCounter += 1;
  return String(1e15 + mediaCounter);
}

export function newFbTraceId(): string {
  return randomBytes(8).toString('base64').replace(/[+/=]/g, '').slice(0, 11);
}

/** Conversation ids in status webhooks are 32 hex digits. */
export function newConversationId(): string {
  return randomBytes(16).toString('hex');
}

export function unixSecondsString(date = new Date()): string {
  return String(Math.floor(date.getTime() / 1000));
}
