/**
 * Server-Sent Events to every open page. Each change in the emulators asks for a fresh state
 * snapshot; requests arriving together are coalesced into one snapshot (a single customer message
 * causes a dozen HTTP exchanges within milliseconds), so the page redraws once per burst.
 */
import type { ServerResponse } from 'node:http';

const COALESCE_MS = 30;
/** A comment line now and then keeps proxies and idle timeouts from closing the stream. */
const HEARTBEAT_MS = 15_000;

export class EventStream {
  private readonly clients = new Set<ServerResponse>();
  private pending: NodeJS.Timeout | undefined;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly snapshot: () => unknown) {
    this.heartbeat = setInterval(() => this.write(': keep-alive\n\n'), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Takes over an HTTP response as an event stream and sends the current state at once. */
  open(response: ServerResponse): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    this.clients.add(response);
    response.on('close', () => this.clients.delete(response));
    response.write(frame('state', this.snapshot()));
  }

  /** Something changed: a snapshot follows shortly. */
  changed(): void {
    this.pending ??= setTimeout(() => {
      this.pending = undefined;
      if (this.clients.size > 0) this.write(frame('state', this.snapshot()));
    }, COALESCE_MS);
  }

  /** A named event with its own data, sent right away (e.g. one activity line). */
  send(event: string, data: unknown): void {
    if (this.clients.size > 0) this.write(frame(event, data));
  }

  close(): void {
    clearInterval(this.heartbeat);
    if (this.pending) clearTimeout(this.pending);
    for (const client of this.clients) client.end();
    this.clients.clear();
  }

  private write(text: string): void {
    for (const client of this.clients) client.write(text);
  }
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
