/**
 * Everything the sandbox page shows, in one place: the two emulators plus the little state the
 * sandbox adds on top of them (the customer list, the ticks each phone shows, armed failures,
 * Slack's own notices), and the snapshot the page draws from. The emulators stay the only source
 * of truth for what the bridge did.
 */
import type { CustomerIdentity, EphemeralRecord, InjectedFailure, SlackEmulator, WhatsAppEmulator } from './emulators/index.js';
import { DEMO_AGENTS, DEMO_BUSINESS_ACCOUNT_ID, DEMO_CUSTOMERS, DEMO_LINES, DEMO_SUPERVISOR_CHANNEL, DEMO_SUPERVISORS, DEMO_TEMPLATES } from './demo-workspace.js';
import { ActivityLog, type ActivityEntry } from './live/activity-log.js';
import { buildChannelView, type ChannelView } from './live/channel-view.js';
import { buildPhoneChats, StatusBoard, type PhoneChat } from './live/phone-view.js';

export interface FailurePreset {
  code: number;
  mode: InjectedFailure['mode'];
  title: string;
  /** What happens, for the panel's hint. */
  explanation: string;
}

/** The failures the WhatsApp-side panel offers, each failing the way Meta reports it (reference §3, §8). */
export const FAILURE_PRESETS: readonly FailurePreset[] = [
  {
    code: 131026,
    mode: 'async',
    title: 'Undeliverable',
    explanation: 'The API accepts the send, then a failed status arrives: the phone cannot receive it. The bridge marks the reply ❌ and explains.',
  },
  {
    code: 131047,
    mode: 'async',
    title: 'Re-engagement (24 h)',
    explanation: "The API accepts the send, then Meta reports the 24-hour window closed. The bridge marks the reply ❌ and explains.",
  },
  {
    code: 130429,
    mode: 'sync',
    title: 'Throughput limit',
    explanation: 'The API refuses the send with HTTP 429. The bridge waits and sends it again, so the customer still gets it.',
  },
];

export interface SandboxSnapshot {
  lines: { numberId: string; name: string; displayNumber: string; senderMode: string; language: string; channel: { id: string; name: string } }[];
  agents: { id: string; name: string; realName: string; supervisor: boolean }[];
  customers: CustomerIdentity[];
  chats: PhoneChat[];
  channels: ChannelView[];
  failurePresets: readonly FailurePreset[];
  /** Failures armed for the next sends, oldest first. */
  armedFailures: FailurePreset[];
  /** Modals the bridge opened (`views.open`) and nobody submitted or closed yet. */
  openViews: ModalView[];
}

/** A modal as the page draws it: its title, its text inputs, its submit label. */
export interface ModalView {
  id: string;
  /** The Slack user it is open for (undefined: whoever looks). */
  user?: string;
  title: string;
  submit: string;
  close: string;
  inputs: { blockId: string; actionId: string; label: string; placeholder?: string; initial?: string; multiline?: boolean }[];
  /** Section texts (mrkdwn), shown above the inputs. */
  texts: string[];
}

export class SandboxWorld {
  readonly customers: CustomerIdentity[] = DEMO_CUSTOMERS.map((customer) => ({ ...customer }));
  readonly activity: ActivityLog;
  private readonly statuses = new StatusBoard();
  private readonly slackbotNotices: EphemeralRecord[] = [];
  private readonly armedFailures: FailurePreset[] = [];

  constructor(
    readonly whatsapp: WhatsAppEmulator,
    readonly slack: SlackEmulator,
    /** Called on every change the page should see; `entry` when an activity line was added. */
    private readonly onChange: (entry?: ActivityEntry) => void,
  ) {
    this.activity = new ActivityLog((entry) => onChange(entry));
    this.activity.follow(whatsapp, slack);
    // The templates `/template list|show|send` work with (synced by the bridge from GET /{waba-id}/message_templates).
    whatsapp.setTemplates(DEMO_TEMPLATES.map((template) => structuredClone(template)), DEMO_BUSINESS_ACCOUNT_ID);
    whatsapp.on('status', ({ wamid, status }) => {
      // The phone's ticks follow what WhatsApp knows, whether or not the bridge took the webhook.
      this.statuses.record(wamid, status);
      onChange();
    });
    whatsapp.on('request', (request) => {
      if (this.armedFailures.length > 0 && isMessageSend(request.method, request.path, request.body)) this.armedFailures.shift();
    });
    for (const event of ['message', 'update', 'delete', 'reaction', 'ephemeral', 'commandResponse', 'interaction'] as const) slack.on(event, () => onChange());
    whatsapp.on('message', () => onChange());
  }

  snapshot(): SandboxSnapshot {
    const users = DEMO_AGENTS;
    return {
      lines: DEMO_LINES.map((line) => ({
        numberId: line.phoneNumberId,
        name: line.name,
        displayNumber: line.displayNumber,
        senderMode: line.senderMode,
        language: line.language,
        channel: line.channel,
      })),
      agents: users.map((user) => ({ id: user.id, name: user.displayName, realName: user.realName, supervisor: DEMO_SUPERVISORS.includes(user.id) })),
      customers: this.customers,
      chats: buildPhoneChats(this.whatsapp.inbound(), this.whatsapp.sent(), this.statuses, (id) => {
        const media = this.whatsapp.mediaById(id);
        return media && { mimeType: media.mimeType, size: media.size, ...(media.filename ? { filename: media.filename } : {}) };
      }),
      channels: [...DEMO_LINES.map((line) => line.channel), DEMO_SUPERVISOR_CHANNEL].map((channel) =>
        buildChannelView({
          channel,
          messages: this.slack.messages(channel.id),
          ephemerals: this.slack.ephemerals(),
          commandResponses: this.slack.commandResponses(),
          interactionResponses: this.slack.interactionResponses(),
          users,
          slackbotNotices: this.slackbotNotices,
        }),
      ),
      failurePresets: FAILURE_PRESETS,
      armedFailures: [...this.armedFailures],
      openViews: this.slack
        .views()
        .filter((record) => record.state === 'open')
        .map((record) => modalView(record.id, record.user, record.view)),
    };
  }

  /**
   * The page should redraw now. Customer sends call this right after starting: the message is on the
   * phone at once, while its webhook may still be on its way (or retrying, if the bridge is down).
   */
  changed(): void {
    this.onChange();
  }

  addCustomer(customer: CustomerIdentity): CustomerIdentity {
    const existing = this.customers.find((known) => known.waId === customer.waId);
    if (existing) return existing;
    this.customers.push(customer);
    this.onChange();
    return customer;
  }

  /** Slack's own answer to the agent (Slackbot, only visible to them), e.g. for a command it refuses. */
  slackbotSays(notice: Omit<EphemeralRecord, 'messageTs' | 'at'>): void {
    const now = Date.now();
    this.slackbotNotices.push({ ...notice, messageTs: `${Math.floor(now / 1000)}.${String(now % 1000).padStart(3, '0')}000`, at: new Date(now).toISOString() });
    this.onChange();
  }

  armFailure(preset: FailurePreset): void {
    this.whatsapp.failNext(1, { code: preset.code, mode: preset.mode });
    this.armedFailures.push(preset);
    this.onChange();
  }

  disarmFailures(): void {
    this.whatsapp.clearFailures();
    this.armedFailures.length = 0;
    this.onChange();
  }
}

type Json = Record<string, unknown>;

function plainText(value: unknown, fallback: string): string {
  const text = (value as { text?: unknown } | undefined)?.text;
  return typeof text === 'string' ? text : fallback;
}

/** The parts of a Block Kit modal the page can draw: section texts and plain-text inputs. */
export function modalView(id: string, user: string | undefined, view: Json): ModalView {
  const inputs: ModalView['inputs'] = [];
  const texts: string[] = [];
  for (const block of (Array.isArray(view.blocks) ? view.blocks : []) as Json[]) {
    if (block.type === 'section' || block.type === 'context') {
      const text = plainText(block.text, '');
      if (text) texts.push(text);
    }
    if (block.type !== 'input') continue;
    const element = (block.element ?? {}) as Json;
    if (element.type !== 'plain_text_input' || typeof element.action_id !== 'string') continue;
    const placeholder = plainText(element.placeholder, '');
    inputs.push({
      blockId: typeof block.block_id === 'string' ? block.block_id : 'input',
      actionId: element.action_id,
      label: plainText(block.label, element.action_id),
      ...(placeholder ? { placeholder } : {}),
      ...(typeof element.initial_value === 'string' ? { initial: element.initial_value } : {}),
      ...(element.multiline === true ? { multiline: true } : {}),
    });
  }
  return {
    id,
    ...(user ? { user } : {}),
    title: plainText(view.title, 'Puente'),
    submit: plainText(view.submit, 'Submit'),
    close: plainText(view.close, 'Cancel'),
    inputs,
    texts,
  };
}

/** A send (text, reaction, template…) takes an injected failure; a mark-as-read does not. */
function isMessageSend(method: string, path: string, body: unknown): boolean {
  if (method !== 'POST' || !/\/messages$/.test(path.split('?')[0] ?? '')) return false;
  return !(typeof body === 'object' && body !== null && (body as { status?: unknown }).status === 'read');
}
