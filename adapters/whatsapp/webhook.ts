/**
 * The WhatsApp webhook receiver: Meta's verification handshake (GET) and signed deliveries (POST)
 * on `/webhooks/whatsapp` (reference §1).
 *
 * Deliberately thin. The POST handler reads the raw bytes under a size cap, checks the signature
 * on exactly those bytes, hands the text to `onVerifiedBody` (the durable inbox) and answers 200
 * only after that resolved: Meta keeps no history, so anything acknowledged before it is stored
 * could be lost for good. It never parses JSON: a signed but malformed body is still stored and
 * acknowledged (otherwise Meta retries it for days); the parser rejects it later with a log line.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpRoute } from '../../bot/chat-adapter.js';
import type { Logger } from '../../bot/logger.js';
import { verifySignature } from './signature.js';

export const WHATSAPP_WEBHOOK_PATH = '/webhooks/whatsapp';

/** Meta's payloads are up to 3 MB; the margin absorbs envelope overhead without rejecting a real one. */
export const DEFAULT_MAX_WEBHOOK_BODY_BYTES = 3 * 1024 * 1024 + 64 * 1024;

export interface WhatsAppWebhookOptions {
  appSecret: string;
  verifyToken: string;
  logger: Logger;
  maxBodyBytes?: number;
  /** Stores the verified body durably; resolves once it would survive a crash. */
  onVerifiedBody: (body: string, receivedAt: number) => Promise<void>;
}

export function whatsappWebhookRoutes(opts: WhatsAppWebhookOptions): HttpRoute[] {
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_WEBHOOK_BODY_BYTES;
  const log = opts.logger;
  return [
    { method: 'GET', path: WHATSAPP_WEBHOOK_PATH, handler: (req, res) => handleVerification(req, res, opts.verifyToken, log) },
    { method: 'POST', path: WHATSAPP_WEBHOOK_PATH, handler: (req, res) => handleDelivery(req, res, opts, maxBodyBytes) },
  ];
}

// ---------------------------------------------------------------------------------------------
// GET: verification handshake
// ---------------------------------------------------------------------------------------------

function handleVerification(req: IncomingMessage, res: ServerResponse, verifyToken: string, log: Logger): void {
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const mode = query.get('hub.mode');
  const token = query.get('hub.verify_token');
  const challenge = query.get('hub.challenge');
  if (mode === 'subscribe' && token !== null && challenge !== null && sameSecret(token, verifyToken)) {
    log.info('WhatsApp webhook verified by Meta');
    // Meta expects the challenge back verbatim, as plain text, not JSON.
    reply(res, 200, challenge, { 'X-Content-Type-Options': 'nosniff' });
    return;
  }
  log.warn({ mode, hasToken: token !== null, hasChallenge: challenge !== null }, 'WhatsApp webhook verification refused');
  reply(res, 403, 'Forbidden');
}

/**
 * Constant-time comparison of two secrets of any length: both are hashed first, so neither the
 * length nor the first differing character shows in the timing. An empty configured token never
 * matches (it would verify anyone).
 */
function sameSecret(given: string, configured: string): boolean {
  if (!configured) return false;
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(configured, 'utf8').digest();
  return timingSafeEqual(a, b);
}

// ---------------------------------------------------------------------------------------------
// POST: signed delivery
// ---------------------------------------------------------------------------------------------

async function handleDelivery(
  req: IncomingMessage,
  res: ServerResponse,
  opts: WhatsAppWebhookOptions,
  maxBodyBytes: number,
): Promise<void> {
  const log = opts.logger;
  const receivedAt = Date.now();
  try {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBodyBytes) {
      // Refused before a byte is read.
      log.warn({ contentLength: declared, maxBodyBytes }, 'WhatsApp webhook body over the size cap; refused');
      refuseTooLarge(res);
      return;
    }

    const raw = await readBodyCapped(req, maxBodyBytes);
    if (raw === 'too-large') {
      log.warn({ maxBodyBytes }, 'WhatsApp webhook body over the size cap while streaming; refused');
      refuseTooLarge(res);
      return;
    }
    if (raw === 'aborted') {
      log.warn('WhatsApp webhook request aborted by the sender before its body ended');
      return; // nobody is left to answer
    }

    const header = req.headers['x-hub-signature-256'];
    const signature = Array.isArray(header) ? header[0] : header;
    if (!verifySignature(raw, signature, opts.appSecret)) {
      log.warn({ bytes: raw.length, signature: signature === undefined ? 'missing' : 'mismatch' }, 'WhatsApp webhook signature invalid; refused');
      reply(res, 401, 'Invalid signature');
      return;
    }

    try {
      await opts.onVerifiedBody(raw.toString('utf8'), receivedAt);
    } catch (err) {
      // Not stored: a non-200 makes Meta deliver it again later.
      log.error({ err: errorText(err), bytes: raw.length }, 'WhatsApp webhook body could not be stored; Meta will retry');
      reply(res, 500, 'Not stored');
      return;
    }
    reply(res, 200, 'EVENT_RECEIVED');
  } catch (err) {
    log.error({ err: errorText(err) }, 'WhatsApp webhook handler failed');
    reply(res, 500, 'Internal error');
  }
}

/**
 * The body's bytes, or why there are none. Stops collecting as soon as the cap is passed, so a
 * hostile sender cannot make the bridge hold more than `maxBytes` in memory.
 */
function readBodyCapped(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const settle = (result: Buffer | 'too-large' | 'aborted'): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > maxBytes) {
        chunks.length = 0;
        req.pause();
        settle('too-large');
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => settle(Buffer.concat(chunks, total));
    req.on('data', onData);
    req.on('end', onEnd);
    // 'error' and 'close' without 'end' both mean the sender went away mid-body.
    req.on('error', () => settle('aborted'));
    req.on('close', () => settle('aborted'));
  });
}

/** 413, and the connection is closed after it so the rest of the oversized body is never read. */
function refuseTooLarge(res: ServerResponse): void {
  reply(res, 413, 'Payload too large', { Connection: 'close' });
}

function reply(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.writableEnded) return;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
