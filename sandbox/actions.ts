/**
 * What the page can make happen, each one a thing a person would do: a customer writes, reacts or
 * sends an attachment on the phone; an agent replies, reacts, edits, deletes or runs a slash command
 * in Slack; someone at "WhatsApp" makes the next send fail. Each action goes through the emulators'
 * customer-side and agent-side methods, so the bridge sees exactly the requests the real services
 * send. Inputs come from the page's JSON and are checked here.
 */
import type { CustomerIdentity } from './emulators/index.js';
import { DEMO_AGENTS, DEMO_LINES, type DemoLine } from './demo-workspace.js';
import { FAILURE_PRESETS, type SandboxWorld } from './world.js';

/** A request the sandbox refuses (answered 400 with this message). */
export class ActionError extends Error {}

type Input = Record<string, unknown>;

const HOUR_MS = 3600 * 1000;

/** A 2×2 PNG, so "send a photo" has real image bytes to store and announce. */
const SAMPLE_PHOTO = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==', 'base64');

const WINDOW_SCENARIO: Record<DemoLine['language'], { name: string; text: string }> = {
  es: { name: 'Marta Ruiz', text: '¿Os queda la chaqueta azul en talla M?' },
  en: { name: 'Jamie Clarke', text: 'Is the blue jacket still available in M?' },
};

const NEW_CUSTOMER_NAMES = ['Sofía Martín', 'Noah Williams', 'Lucas Dubois', 'Aisha Bello', 'Kenji Sato', 'Elena Rossi', 'Pedro Alves'];

export class SandboxActions {
  private customerCounter = 0;

  constructor(private readonly world: SandboxWorld) {}

  // ── the phone ──────────────────────────────────────────────────────────────────────────────

  async customerMessage(input: Input): Promise<{ wamid: string; status: number }> {
    const line = this.line(input);
    const customer = this.customer(input);
    const text = requiredString(input, 'text');
    const hoursAgo = optionalNumber(input, 'hoursAgo') ?? 0;
    const quotedWamid = optionalString(input, 'quotedWamid');
    const { whatsapp } = this.world;
    // The bridge counts the 24-hour window from the timestamp WhatsApp puts on the message.
    const timestamp = String(Math.floor((Date.now() - hoursAgo * HOUR_MS) / 1000));
    return this.showing(
      hoursAgo > 0
        ? whatsapp.sendMessage(line.phoneNumberId, customer, { type: 'text', text: { body: text }, timestamp })
        : whatsapp.sendText(line.phoneNumberId, customer, text, quotedWamid ? { quotedWamid } : {}),
    );
  }

  async customerReaction(input: Input): Promise<{ wamid: string; status: number }> {
    const line = this.line(input);
    const customer = this.customer(input);
    const target = requiredString(input, 'wamid');
    const emoji = typeof input.emoji === 'string' ? input.emoji : '';
    return this.showing(this.world.whatsapp.sendReaction(line.phoneNumberId, customer, target, emoji));
  }

  async customerAttachment(input: Input): Promise<{ wamid: string; status: number }> {
    const line = this.line(input);
    const customer = this.customer(input);
    const kind = requiredString(input, 'kind');
    const { whatsapp } = this.world;
    switch (kind) {
      case 'photo':
        return this.showing(whatsapp.sendMedia(line.phoneNumberId, customer, { kind: 'image', data: SAMPLE_PHOTO, mimeType: 'image/png', caption: optionalString(input, 'caption') ?? 'Foto del paquete' }));
      case 'document':
        return this.showing(
          whatsapp.sendMedia(line.phoneNumberId, customer, { kind: 'document', data: Buffer.from('%PDF-1.4\n% sandbox invoice\n'), mimeType: 'application/pdf', filename: 'factura-0042.pdf' }),
        );
      case 'location':
        return this.showing(
          whatsapp.sendMessage(line.phoneNumberId, customer, {
            type: 'location',
            location: { latitude: 40.4168, longitude: -3.7038, name: 'Puerta del Sol', address: 'Plaza de la Puerta del Sol, Madrid' },
          }),
        );
      default:
        throw new ActionError(`unknown attachment kind ${JSON.stringify(kind)}: photo, document or location`);
    }
  }

  /** A customer the sandbox makes up, with a number from the range reserved for fiction (+1 555 01xx). */
  newCustomer(input: Input): CustomerIdentity {
    this.customerCounter += 1;
    const name = optionalString(input, 'name')?.trim() || NEW_CUSTOMER_NAMES[(this.customerCounter - 1) % NEW_CUSTOMER_NAMES.length]!;
    const waId = `1555010${String(this.customerCounter).padStart(4, '0')}`;
    return this.world.addCustomer({ waId, name });
  }

  /**
   * A customer whose only message is 25 hours old: any reply to them is outside WhatsApp's 24-hour
   * window, so the bridge refuses it and says why in the thread. (The window runs from the
   * customer's latest message, so backdating only closes it for a customer with no newer message.)
   */
  async windowScenario(input: Input): Promise<{ customer: CustomerIdentity; wamid: string }> {
    const line = this.line(input);
    const scenario = WINDOW_SCENARIO[line.language];
    this.customerCounter += 1;
    const customer = this.world.addCustomer({ waId: `1555019${String(this.customerCounter).padStart(4, '0')}`, name: scenario.name });
    const sent = await this.customerMessage({ numberId: line.phoneNumberId, waId: customer.waId, text: scenario.text, hoursAgo: 25 });
    return { customer, wamid: sent.wamid };
  }

  // ── Slack ──────────────────────────────────────────────────────────────────────────────────

  async agentMessage(input: Input): Promise<{ ts?: string; status: number }> {
    const channel = this.channel(input);
    const user = this.agent(input);
    const text = requiredString(input, 'text');
    const threadTs = optionalString(input, 'threadTs');
    const command = /^\/([\w-]+)\s*([\s\S]*)$/.exec(text.trim());
    if (command) return this.slashCommand(channel, user, `/${command[1]}`, command[2] ?? '', threadTs);
    const result = await this.world.slack.postAsUser({ channel, user, text, ...(threadTs ? { threadTs } : {}) });
    return { ts: result.ts, status: result.status };
  }

  async agentReaction(input: Input): Promise<{ status: number }> {
    const target = { channel: this.channel(input), ts: requiredString(input, 'ts'), user: this.agent(input), name: requiredString(input, 'name').replace(/^:|:$/g, '') };
    const result = input.remove === true ? await this.world.slack.unreactAsUser(target) : await this.world.slack.reactAsUser(target);
    return { status: result.status };
  }

  async agentEdit(input: Input): Promise<{ status: number }> {
    const result = await this.world.slack.editAsUser({ channel: this.channel(input), ts: requiredString(input, 'ts'), text: requiredString(input, 'text') });
    return { status: result.status };
  }

  async agentDelete(input: Input): Promise<{ status: number }> {
    const result = await this.world.slack.deleteAsUser({ channel: this.channel(input), ts: requiredString(input, 'ts') });
    return { status: result.status };
  }

  // ── WhatsApp's side ────────────────────────────────────────────────────────────────────────

  armFailure(input: Input): void {
    const code = optionalNumber(input, 'code');
    const preset = FAILURE_PRESETS.find((candidate) => candidate.code === code);
    if (!preset) throw new ActionError(`unknown failure code ${String(input.code)}; offered: ${FAILURE_PRESETS.map((p) => p.code).join(', ')}`);
    this.world.armFailure(preset);
  }

  disarmFailures(): void {
    this.world.disarmFailures();
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────

  /** The phone shows a message as soon as it is sent, not when the bridge has answered its webhook. */
  private showing<T>(send: Promise<T>): Promise<T> {
    this.world.changed();
    return send;
  }

  /** Slack refuses slash commands in threads (reference slack.md §4.2); elsewhere they go to the bridge. */
  private async slashCommand(channel: string, user: string, command: string, text: string, threadTs: string | undefined): Promise<{ status: number }> {
    if (threadTs) {
      this.world.slackbotSays({ channel, user, threadTs, text: `${command} is not supported in threads. Sorry! Run it in the channel instead.` });
      return { status: 0 };
    }
    const record = await this.world.slack.slashCommand({ channel, user, command, text });
    if (record.status !== 200) {
      const why = record.status === 0 ? 'the app did not answer' : `the app answered HTTP ${record.status}`;
      const hint = record.status === 404 ? ' This bridge has no slash commands yet.' : '';
      this.world.slackbotSays({ channel, user, text: `${command} didn't work: ${why}.${hint}` });
    }
    return { status: record.status };
  }

  private line(input: Input): DemoLine {
    const numberId = requiredString(input, 'numberId');
    const line = DEMO_LINES.find((candidate) => candidate.phoneNumberId === numberId);
    if (!line) throw new ActionError(`unknown business number ${numberId}`);
    return line;
  }

  private customer(input: Input): CustomerIdentity {
    const waId = requiredString(input, 'waId');
    const customer = this.world.customers.find((known) => known.waId === waId);
    if (!customer) throw new ActionError(`unknown customer ${waId}: create one first`);
    return customer;
  }

  private channel(input: Input): string {
    const channel = requiredString(input, 'channel');
    if (!DEMO_LINES.some((line) => line.channel.id === channel)) throw new ActionError(`unknown channel ${channel}`);
    return channel;
  }

  private agent(input: Input): string {
    const user = requiredString(input, 'user');
    if (!DEMO_AGENTS.some((agent) => agent.id === user)) throw new ActionError(`unknown agent ${user}`);
    return user;
  }
}

function requiredString(input: Input, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '') throw new ActionError(`${name} is required`);
  return value;
}

function optionalString(input: Input, name: string): string | undefined {
  const value = input[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function optionalNumber(input: Input, name: string): number | undefined {
  const value = input[name];
  if (value === undefined || value === null || value === '') return undefined;
  const number = Number(value);
  if (!Number.isFinite(number)) throw new ActionError(`${name} must be a number`);
  return number;
}
