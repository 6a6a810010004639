/**
 * POSTs exact bytes to the bridge. Uses `node:http` with a fresh connection per request (no
 * keep-alive pool) so that stopping the bridge's server in a test is never delayed by idle sockets
 * the emulator left open, and so the signed bytes are exactly the bytes on the wire.
 */
import http from 'node:http';
import https from 'node:https';

export interface PostOutcome {
  /** HTTP status, or 0 when no response arrived (connection refused, timeout, aborted). */
  status: number;
  /** Response body (first 64 KiB), for debugging what the bridge answered. */
  body: string;
  /** Network-level failure description when `status` is 0. */
  error?: string;
}

const MAX_RESPONSE_BYTES = 64 * 1024;
/**
 * Bodies above this size are held back briefly after the headers. A server that refuses on the
 * headers alone (413 from Content-Length) answers and closes at once; had the body been streaming,
 * closing with unread data makes the kernel send a reset that can destroy the answer before it is
 * read, and the bridge's 413 would show up here as "no response".
 */
const LARGE_BODY_BYTES = 64 * 1024;
const EARLY_ANSWER_WAIT_MS = 150;

export function postBytes(
  url: string,
  headers: Record<string, string>,
  body: Buffer,
  timeoutMs: number,
): Promise<PostOutcome> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const transport = target.protocol === 'https:' ? https : http;
    // A server may answer early (413) and close while the body is still being written; the
    // resulting EPIPE/ECONNRESET must not hide the status it already sent, so keep it as soon as
    // the headers arrive.
    let status = 0;
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (error?: Error): void => {
      if (settled) return;
      settled = true;
      const responseBody = Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8');
      resolve({ status, body: responseBody, ...(error && status === 0 ? { error: error.message } : {}) });
    };
    const request = transport.request(
      target,
      {
        method: 'POST',
        agent: false,
        headers: { ...headers, 'content-length': String(body.length), connection: 'close' },
        timeout: timeoutMs,
      },
      (response) => {
        status = response.statusCode ?? 0;
        response.on('data', (chunk: Buffer) => {
          if (size < MAX_RESPONSE_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        response.on('end', () => settle());
        response.on('close', () => settle());
        response.on('error', (error) => settle(error));
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no response within ${timeoutMs} ms`)));
    request.on('error', (error) => settle(error));
    if (body.length <= LARGE_BODY_BYTES) {
      request.end(body);
      return;
    }
    request.flushHeaders();
    const sendBody = setTimeout(() => {
      if (!settled && !request.destroyed) request.end(body);
    }, EARLY_ANSWER_WAIT_MS);
    // Answered before the body went out: never send it, and drop the connection once the answer is read.
    request.once('response', (response) => {
      clearTimeout(sendBody);
      if (!request.writableEnded) response.once('end', () => request.destroy());
    });
  });
}
