/**
 * `POST /webhooks/cliq`: where the Cliq handlers (README "Zoho Cliq") forward agents' messages and
 * slash commands. Cliq does not sign these calls (reference §6.2, unconfirmed), so the handlers send
 * a shared secret in `X-Puente-Token`; anything else is refused with 401 before the body is parsed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const CLIQ_WEBHOOK_PATH = '/webhooks/cliq';
export const CLIQ_TOKEN_HEADER = 'x-puente-token';
const MAX_BODY_BYTES = 1024 * 1024;

/** Constant-time comparison (digests first, so the length of the secret does not leak either). */
export function secretMatches(given: string | undefined, secret: string): boolean {
  if (given === undefined || secret === '') return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(secret).digest();
  return timingSafeEqual(a, b);
}

export function tokenOf(req: IncomingMessage): string | undefined {
  const header = req.headers[CLIQ_TOKEN_HEADER];
  if (typeof header === 'string') return header;
  const authorization = req.headers.authorization;
  if (typeof authorization === 'string' && authorization.startsWith('Bearer ')) return authorization.slice(7);
  return undefined;
}

export async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function answer(res: ServerResponse, status: number, body?: unknown): void {
  if (res.headersSent) return;
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
