/**
 * Stands in for the bridge's webhook endpoint in emulator tests: records every request with its
 * raw bytes and answers with a configurable status.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SinkRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: Buffer;
  text: string;
  json: unknown;
}

export class WebhookSink {
  readonly received: SinkRequest[] = [];
  /** Status to answer each request with; a function sees the request count so far (1-based). */
  respondWith: number | ((request: SinkRequest, count: number) => number) = 200;
  private server: http.Server | undefined;
  private waiters: { predicate: () => boolean; resolve: () => void }[] = [];

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const text = raw.toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        const request: SinkRequest = { path: req.url ?? '/', headers: req.headers, raw, text, json };
        this.received.push(request);
        const status = typeof this.respondWith === 'number' ? this.respondWith : this.respondWith(request, this.received.length);
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'nope');
        this.notify();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /** Resolves once `predicate` holds over the received requests; rejects after a generous timeout. */
  waitFor(predicate: (received: SinkRequest[]) => boolean, timeoutMs = 5000): Promise<void> {
    if (predicate(this.received)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; received ${this.received.length} requests`)), timeoutMs);
      this.waiters.push({
        predicate: () => predicate(this.received),
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  private notify(): void {
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.predicate()) return true;
      waiter.resolve();
      return false;
    });
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
