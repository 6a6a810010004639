/**
 * The bridge's single HTTP port. Adapters contribute routes (WhatsApp webhook, Slack events, later
 * Teams and Cliq); the server only dispatches, so each route reads its own raw body and can verify
 * its platform's signature before anything parses it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpRoute } from './chat-adapter.js';
import type { Logger } from './logger.js';

export class HttpServer {
  private readonly routes = new Map<string, Map<string, HttpRoute['handler']>>();
  private readonly server: Server;
  private ready = false;

  constructor(private readonly logger: Logger) {
    this.server = createServer((req, res) => void this.dispatch(req, res));
    // Meta and Slack keep connections open; keep-alive saves a TLS/TCP setup per webhook.
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 66_000;
    this.add({ method: 'GET', path: '/healthz', handler: (_req, res) => this.health(res) });
  }

  add(...routes: HttpRoute[]): void {
    for (const route of routes) {
      const byMethod = this.routes.get(route.path) ?? new Map<string, HttpRoute['handler']>();
      if (byMethod.has(route.method)) throw new Error(`route ${route.method} ${route.path} registered twice`);
      byMethod.set(route.method, route.handler);
      this.routes.set(route.path, byMethod);
    }
  }

  /** /healthz answers 200 from here on. */
  markReady(): void {
    this.ready = true;
  }

  private health(res: ServerResponse): void {
    res.writeHead(this.ready ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: this.ready ? 'ok' : 'starting' }));
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const byMethod = this.routes.get(path);
    const handler = byMethod?.get(req.method ?? '');
    if (!byMethod || !handler) {
      req.resume();
      res.writeHead(byMethod ? 405 : 404, { 'content-type': 'text/plain' });
      res.end(byMethod ? 'method not allowed' : 'not found');
      return;
    }
    try {
      await handler(req, res);
    } catch (error) {
      this.logger.error({ err: error, path, method: req.method }, 'request handler failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      if (!res.writableEnded) res.end('internal error');
    }
  }

  listen(port: number, host?: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }
}
