/**
 * "Under the hood": one short line per HTTP exchange between the bridge and the emulated services,
 * so a newcomer sees what actually crosses the wire (signed webhooks in, Graph and Web API calls
 * out, with their answers). Bounded: only the latest lines are kept.
 */
import type {
  EventDeliveryRecord,
  GraphRequestRecord,
  SlackEmulator,
  SlashCommandRecord,
  WebApiCallRecord,
  WebhookDeliveryRecord,
  WhatsAppEmulator,
} from '../emulators/index.js';

export interface ActivityEntry {
  id: number;
  at: number;
  /** Which service the exchange is with. */
  service: 'whatsapp' | 'slack';
  /** `in`: the service calls the bridge; `out`: the bridge calls the service. */
  direction: 'in' | 'out';
  text: string;
  ok: boolean;
}

const MAX_ENTRIES = 300;

export class ActivityLog {
  private entries: ActivityEntry[] = [];
  private nextId = 1;

  constructor(private readonly onEntry: (entry: ActivityEntry) => void) {}

  /** Subscribes to both emulators' wire-level events. */
  follow(whatsapp: WhatsAppEmulator, slack: SlackEmulator): void {
    whatsapp.on('webhook', (delivery) => this.whatsappWebhook(delivery));
    whatsapp.on('request', (request) => this.graphRequest(request));
    slack.on('event', (delivery) => this.slackEvent(delivery));
    slack.on('command', (command) => this.slashCommand(command));
    slack.on('interactionDelivery', ({ type, status }) =>
      this.add({ service: 'slack', direction: 'in', text: `signed interactivity payload (${type}) → ${answer(status)}`, ok: status === 200 }),
    );
    slack.on('request', (call) => this.webApiCall(call));
  }

  recent(): ActivityEntry[] {
    return [...this.entries];
  }

  private add(entry: Omit<ActivityEntry, 'id' | 'at'>): void {
    const full = { ...entry, id: this.nextId++, at: Date.now() };
    this.entries.push(full);
    if (this.entries.length > MAX_ENTRIES) this.entries = this.entries.slice(-MAX_ENTRIES);
    this.onEntry(full);
  }

  private whatsappWebhook(delivery: WebhookDeliveryRecord): void {
    const last = delivery.attempts.at(-1);
    const statuses = delivery.kind === 'status' ? statusNames(delivery.body) : '';
    const what = delivery.kind === 'status' ? `status webhook (${statuses})` : `${delivery.kind} webhook`;
    const tries = delivery.attempts.length > 1 ? `, ${delivery.attempts.length} attempts` : '';
    this.add({ service: 'whatsapp', direction: 'in', text: `signed ${what} → ${answer(last?.status ?? 0, last?.error)}${tries}`, ok: delivery.outcome === 'delivered' });
  }

  private graphRequest(request: GraphRequestRecord): void {
    const body = request.body as Record<string, unknown> | undefined;
    const kind = body && typeof body === 'object' ? (body.status === 'read' ? 'mark as read' : typeof body.type === 'string' ? body.type : '') : '';
    const error = (request.response as { error?: { message?: string } } | undefined)?.error?.message;
    const text = `${request.method} ${request.path}${kind ? ` (${kind})` : ''} → ${request.status}${error ? ` ${error}` : ''}`;
    this.add({ service: 'whatsapp', direction: 'out', text, ok: request.status < 400 });
  }

  private slackEvent(delivery: EventDeliveryRecord): void {
    const retry = delivery.retryNum > 0 ? ` (retry ${delivery.retryNum})` : '';
    this.add({ service: 'slack', direction: 'in', text: `signed ${delivery.eventType} event${retry} → ${answer(delivery.status, delivery.error)}`, ok: delivery.status >= 200 && delivery.status < 300 });
  }

  private slashCommand(command: SlashCommandRecord): void {
    this.add({ service: 'slack', direction: 'in', text: `signed slash command ${command.command} → ${answer(command.status)}`, ok: command.status === 200 });
  }

  private webApiCall(call: WebApiCallRecord): void {
    const detail = typeof call.args.name === 'string' ? ` :${call.args.name}:` : '';
    const error = call.response.ok === false ? ` ${String(call.response.error)}` : ' ok';
    this.add({ service: 'slack', direction: 'out', text: `${call.method}${detail} →${call.httpStatus === 200 ? '' : ` ${call.httpStatus}`}${error}`, ok: call.response.ok === true });
  }
}

function answer(status: number, error?: string): string {
  return status === 0 ? `no answer${error ? ` (${error})` : ''}` : String(status);
}

function statusNames(body: string): string {
  const names = [...body.matchAll(/"status":"(\w+)"/g)].map((match) => match[1]);
  return names.join(', ');
}
