/**
 * What the page can make happen, each one a thing a person would do: a customer writes, reacts or
 * sends an attachment on the phone; an agent replies, reacts, edits, deletes or runs a slash command
 * in Slack; someone at "WhatsApp" makes the next send fail. Each action goes through the emulators'
 * customer-side and agent-side methods, so the bridge sees exactly the requests the real services
 * send. Inputs come from the page's JSON and are checked here.
 */
import type { CustomerIdentity } from './emulators/index.js';
import { DEMO_AGENTS, DEMO_BUSINESS_ACCOUNT_ID, DEMO_LINES, DEMO_SUPERVISOR_CHANNEL, type DemoLine } from './demo-workspace.js';
import { samplePdf, samplePhoto, sampleSticker, sampleVideo, sampleVoiceNote } from './sample-media.js';
import { FAILURE_PRESETS, type SandboxWorld } from './world.js';

/** A request the sandbox refuses (answered 400 with this message). */
export class ActionError extends Error {}

type Input = Record<string, unknown>;

const HOUR_MS = 3600 * 1000;

/** The largest file the page may upload (WhatsApp's own per-file limit is 16 MB; the bridge checks it). */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
/** At most this many files in one agent message (Slack's limit is 10 per message). */
const MAX_AGENT_FILES = 10;

/** The message shortcut the bridge declares in its manifest ("Puente actions"). */
export const THREAD_ACTIONS_SHORTCUT = 'puente_thread_actions';

type MediaKind = 'image' | 'video' | 'audio' | 'document' | 'sticker';

/** How WhatsApp would send a file of this MIME type: WebP as a sticker, images, video, audio, anything else as a document. */
export function mediaKindFor(mimeType: string): MediaKind {
  const type = mimeType.toLowerCase().split(';')[0]!.trim();
  if (type === 'image/webp') return 'sticker';
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('video/')) return 'video';
  if (type.startsWith('audio/')) return 'audio';
  return 'document';
}

/** The phone's sample attachments: real bytes of each kind. */
const SAMPLES: Record<string, { kind: MediaKind; data: () => Buffer; mimeType: string; filename?: string; caption?: string; voice?: boolean }> = {
  photo: { kind: 'image', data: samplePhoto, mimeType: 'image/png', caption: 'Foto del paquete' },
  document: { kind: 'document', data: () => samplePdf(), mimeType: 'application/pdf', filename: 'factura-0042.pdf', caption: 'La factura' },
  voice: { kind: 'audio', data: sampleVoiceNote, mimeType: 'audio/ogg; codecs=opus', voice: true },
  sticker: { kind: 'sticker', data: sampleSticker, mimeType: 'image/webp' },
  video: { kind: 'video', data: sampleVideo, mimeType: 'video/mp4', caption: 'Así llegó la caja' },
};

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
    if (kind === 'location') {
      return this.showing(
        whatsapp.sendMessage(line.phoneNumberId, customer, {
          type: 'location',
          location: { latitude: 40.4168, longitude: -3.7038, name: 'Puerta del Sol', address: 'Plaza de la Puerta del Sol, Madrid' },
        }),
      );
    }
    const sample = SAMPLES[kind];
    if (!sample) throw new ActionError(`unknown attachment kind ${JSON.stringify(kind)}: ${[...Object.keys(SAMPLES), 'location'].join(', ')}`);
    const caption = optionalString(input, 'caption') ?? sample.caption;
    return this.showing(
      whatsapp.sendMedia(line.phoneNumberId, customer, {
        kind: sample.kind,
        data: sample.data(),
        mimeType: sample.mimeType,
        ...(caption && sample.kind !== 'audio' && sample.kind !== 'sticker' ? { caption } : {}),
        ...(sample.filename ? { filename: sample.filename } : {}),
        ...(sample.voice ? { voice: true } : {}),
      }),
    );
  }

  /**
   * The customer sends a file of their own (the page's file picker): `data` is base64. The kind
   * follows the MIME type as WhatsApp's own app decides it; a recorded OGG is a voice note.
   */
  async customerFile(input: Input): Promise<{ wamid: string; status: number }> {
    const line = this.line(input);
    const customer = this.customer(input);
    const name = sanitizeName(requiredString(input, 'name'));
    const mimeType = optionalString(input, 'mimeType') ?? 'application/octet-stream';
    const data = base64Bytes(input, 'data');
    const kind = mediaKindFor(mimeType);
    const caption = optionalString(input, 'caption');
    const voice = kind === 'audio' && (input.voice === true || /^audio\/ogg/i.test(mimeType));
    return this.showing(
      this.world.whatsapp.sendMedia(line.phoneNumberId, customer, {
        kind,
        data,
        mimeType,
        ...(caption && kind !== 'audio' && kind !== 'sticker' ? { caption } : {}),
        ...(kind === 'document' ? { filename: name } : {}),
        ...(kind === 'audio' ? { voice } : {}),
        ...(kind === 'sticker' ? { animated: input.animated === true } : {}),
      }),
    );
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
    const files = agentFiles(input);
    const text = files.length > 0 ? (optionalString(input, 'text') ?? '') : requiredString(input, 'text');
    const threadTs = optionalString(input, 'threadTs');
    if (files.length > 0) {
      const result = await this.world.slack.postAsUser({ channel, user, text, files, ...(threadTs ? { threadTs } : {}) });
      return { ts: result.ts, status: result.status };
    }
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

  /** A button on a message (a thread header's, or an ephemeral menu's): Slack's `block_actions`. */
  async agentButton(input: Input): Promise<{ status: number }> {
    const status = await this.world.slack.pressButton({ channel: this.channel(input), ts: requiredString(input, 'ts'), user: this.agent(input), actionId: requiredString(input, 'actionId') });
    return { status };
  }

  /** The "Puente actions" message shortcut on a message: Slack's `message_action`. */
  async agentShortcut(input: Input): Promise<{ status: number }> {
    const status = await this.world.slack.messageShortcut({ channel: this.channel(input), ts: requiredString(input, 'ts'), user: this.agent(input), callbackId: THREAD_ACTIONS_SHORTCUT });
    return { status };
  }

  /** Submits a modal the bridge opened: `values` is block_id → action_id → text. Slack's `view_submission`. */
  async viewSubmit(input: Input): Promise<{ status: number }> {
    const values = input.values;
    if (typeof values !== 'object' || values === null || Array.isArray(values)) throw new ActionError('values is required: {block_id: {action_id: text}}');
    const clean: Record<string, Record<string, string>> = {};
    for (const [blockId, actions] of Object.entries(values as Record<string, unknown>)) {
      if (typeof actions !== 'object' || actions === null) throw new ActionError(`values.${blockId} must be an object`);
      clean[blockId] = Object.fromEntries(Object.entries(actions as Record<string, unknown>).map(([actionId, value]) => [actionId, String(value ?? '')]));
    }
    const status = await this.world.slack.submitView({ viewId: requiredString(input, 'viewId'), user: this.agent(input), values: clean });
    return { status };
  }

  viewClose(input: Input): void {
    this.world.slack.closeView(requiredString(input, 'viewId'));
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

  /** Meta flags the number's quality (`phone_number_quality_update`, matched by display number): the bridge alerts #supervisors. */
  async qualityAlert(input: Input): Promise<{ status: number }> {
    const line = this.line(input);
    const delivery = await this.world.whatsapp.postWebhook({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: DEMO_BUSINESS_ACCOUNT_ID,
          time: Math.floor(Date.now() / 1000),
          changes: [{ field: 'phone_number_quality_update', value: { display_phone_number: line.displayNumber, event: 'FLAGGED', current_limit: 'TIER_1K' } }],
        },
      ],
    });
    return { status: delivery.attempts.at(-1)?.status ?? 0 };
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
    if (channel !== DEMO_SUPERVISOR_CHANNEL.id && !DEMO_LINES.some((line) => line.channel.id === channel)) throw new ActionError(`unknown channel ${channel}`);
    return channel;
  }

  private agent(input: Input): string {
    const user = requiredString(input, 'user');
    if (!DEMO_AGENTS.some((agent) => agent.id === user)) throw new ActionError(`unknown agent ${user}`);
    return user;
  }
}

/** No paths, no control characters: the name is shown and sent on. */
function sanitizeName(name: string): string {
  const base = name.split(/[\\/]/).at(-1) ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 200);
  return clean || 'file';
}

function base64Bytes(input: Input, name: string): Buffer {
  const value = requiredString(input, name);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw new ActionError(`${name} must be base64`);
  const data = Buffer.from(value, 'base64');
  if (data.length === 0) throw new ActionError(`${name} is empty`);
  if (data.length > MAX_UPLOAD_BYTES) throw new ActionError(`${name} is over ${MAX_UPLOAD_BYTES / 1024 / 1024} MB`);
  return data;
}

function agentFiles(input: Input): { name: string; data: Buffer; mimetype?: string }[] {
  if (input.files === undefined) return [];
  if (!Array.isArray(input.files)) throw new ActionError('files must be a list of {name, data (base64), mimeType?}');
  if (input.files.length > MAX_AGENT_FILES) throw new ActionError(`at most ${MAX_AGENT_FILES} files per message`);
  return input.files.map((file: unknown, index) => {
    if (typeof file !== 'object' || file === null) throw new ActionError(`files[${index}] must be an object`);
    const entry = file as Input;
    const mimetype = optionalString(entry, 'mimeType');
    return { name: sanitizeName(requiredString(entry, 'name')), data: base64Bytes(entry, 'data'), ...(mimetype ? { mimetype } : {}) };
  });
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
