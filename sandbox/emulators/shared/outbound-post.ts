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

export function postBytes(
  url: string,
  headers: Record<string, string>,
  body: Buffer,
  timeoutMs: number,
): Promise<PostOutcome> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const transport = target.protocol === 'https:' ? https : http;
    const request = transport.request(
      target,
      {
        method: 'POST',
        agent: false,
        headers: { ...headers, 'content-length': String(body.length), connection: 'close' },
        timeout: timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < MAX_RESPONSE_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8') }),
        );
        response.on('error', (error) => resolve({ status: response.statusCode ?? 0, body: '', error: error.message }));
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no response within ${timeoutMs} ms`)));
    request.on('error', (error) => resolve({ status: 0, body: '', error: error.message }));
    request.end(body);
  });
}
