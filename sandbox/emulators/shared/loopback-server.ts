/**
 * A minimal `node:http` server bound to 127.0.0.1 that hands each fully-read request to one async
 * handler. Both emulators sit on top of it; they only deal with routing and API semantics.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EmulatorRequest {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface EmulatorResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export type EmulatorHandler = (request: EmulatorRequest) => Promise<EmulatorResponse>;

export function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): EmulatorResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(value) };
}

export class LoopbackServer {
  private server: http.Server | undefined;
  private url: string | undefined;

  constructor(
    private readonly handler: EmulatorHandler,
    /** Larger bodies get 413 without being buffered, so a runaway client cannot exhaust memory. */
    private readonly maxBodyBytes: number,
  ) {}

  /** `http://127.0.0.1:<port>` while running. */
  get baseUrl(): string {
    if (this.url === undefined) throw new Error('emulator is not started');
    return this.url;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  async start(port = 0): Promise<string> {
    if (this.server) throw new Error('emulator is already started');
    const server = http.createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port: actualPort } = server.address() as AddressInfo;
    this.server = server;
    this.url = `http://127.0.0.1:${actualPort}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.url = undefined;
    // Keep-alive sockets from the bridge's HTTP client would otherwise hold close() open for seconds.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let response: EmulatorResponse;
    try {
      const body = await readBody(req, this.maxBodyBytes);
      if (body === 'too-large') {
        response = jsonResponse(413, { error: `request body exceeds ${this.maxBodyBytes} bytes` });
      } else {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        response = await this.handler({ method: req.method ?? 'GET', url, headers: req.headers, body });
      }
    } catch (error) {
      // An exception here is an emulator bug; surface it loudly instead of hanging the client.
      response = jsonResponse(500, { error: `emulator internal error: ${error instanceof Error ? error.stack ?? error.message : String(error)}` });
    }
    if (res.destroyed) return;
    res.writeHead(response.status, response.headers);
    res.end(response.body);
  }
}

function readBody(req: http.IncomingMessage, maxBytes: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
