/**
 * The sandbox's fixed cast: two business numbers (one per sender mode and language), their Slack
 * channels, two agents, a few customers, and the made-up secrets the emulators and the bridge
 * share. Everything here is what a real deployment would put in its configuration; the bridge gets
 * it through the public variables and YAML file only.
 */
import type { CustomerIdentity, EmulatedBusinessNumber, EmulatedSlackChannel, EmulatedSlackUser, EmulatedTemplate } from './emulators/index.js';

/** Secrets only the local emulators and the local bridge know. */
export const SANDBOX_SECRETS = {
  whatsappAccessToken: 'EAAG-sandbox-token',
  whatsappAppSecret: 'sandbox-app-secret',
  whatsappVerifyToken: 'sandbox-verify-token',
  slackBotToken: 'xoxb-sandbox',
  slackSigningSecret: 'sandbox-signing-secret',
} as const;

export interface DemoLine {
  /** Graph phone_number_id. */
  phoneNumberId: string;
  /** Digits, as WhatsApp shows the business number. */
  displayNumber: string;
  name: string;
  senderMode: 'branded' | 'agent';
  language: 'en' | 'es';
  channel: EmulatedSlackChannel;
}

export const DEMO_LINES: readonly DemoLine[] = [
  { phoneNumberId: '1001', displayNumber: '34910000001', name: 'Ventas', senderMode: 'branded', language: 'es', channel: { id: 'C0VENTAS', name: 'ventas' } },
  { phoneNumberId: '1002', displayNumber: '442079460002', name: 'Support', senderMode: 'agent', language: 'en', channel: { id: 'C0SUPPORT', name: 'support' } },
];

export const DEMO_AGENTS: readonly EmulatedSlackUser[] = [
  { id: 'U0LUCIA', name: 'lucia', displayName: 'Lucía', realName: 'Lucía Pérez' },
  { id: 'U0TOM', name: 'tom', displayName: 'Tom', realName: 'Tom Baker' },
];

/** Lucía may run the supervisors' commands (`/block`, …); Tom is an agent, so the refusal can be seen too. */
export const DEMO_SUPERVISORS: readonly string[] = ['U0LUCIA'];

/** Where the bridge posts number-health alerts (quality and account webhooks). */
export const DEMO_SUPERVISOR_CHANNEL: EmulatedSlackChannel = { id: 'C0SUPERVISORS', name: 'supervisors' };

/** The WhatsApp Business Account both numbers belong to: the bridge lists its templates. */
export const DEMO_BUSINESS_ACCOUNT_ID = '102290129340398';

/** Approved templates, as `GET /{waba-id}/message_templates` lists them. */
export const DEMO_TEMPLATES: readonly EmulatedTemplate[] = [
  {
    name: 'pedido_enviado',
    language: 'es',
    status: 'APPROVED',
    category: 'UTILITY',
    parameter_format: 'POSITIONAL',
    components: [
      { type: 'BODY', text: '¡Hola! Tu pedido {{1}} ya está en camino. Te avisaremos cuando llegue.', example: { body_text: [['8841']] } },
      { type: 'FOOTER', text: 'Acme · Ventas' },
    ],
  },
  {
    name: 'order_update',
    language: 'en',
    status: 'APPROVED',
    category: 'UTILITY',
    parameter_format: 'POSITIONAL',
    components: [
      { type: 'BODY', text: 'Hi {{1}}, your order {{2}} has shipped and should arrive by {{3}}.', example: { body_text: [['Oliver', '8841', 'Friday']] } },
    ],
  },
  {
    name: 'seguimiento',
    language: 'es',
    status: 'APPROVED',
    category: 'MARKETING',
    parameter_format: 'POSITIONAL',
    components: [{ type: 'BODY', text: 'Hola {{1}}, ¿pudiste resolver tu consulta? Respóndenos aquí si necesitas algo más.', example: { body_text: [['Ana']] } }],
  },
];

export const DEMO_CUSTOMERS: readonly CustomerIdentity[] = [
  { waId: '34611111111', name: 'Ana García' },
  { waId: '447700900123', name: 'Oliver Smith' },
  { waId: '5215512345678', name: 'Mariana López' },
];

export function emulatedNumbers(): EmulatedBusinessNumber[] {
  return DEMO_LINES.map((line) => ({ phoneNumberId: line.phoneNumberId, displayNumber: line.displayNumber }));
}

/** The bridge's PUENTE_CONFIG file: the same YAML a multi-number deployment writes. */
export function bridgeConfigYaml(): string {
  const numbers = DEMO_LINES.map(
    (line) => `  - phone_number_id: "${line.phoneNumberId}"
    display_name: ${line.name}
    display_number: "+${line.displayNumber}"
    adapter: slack
    channel: ${line.channel.id}
    sender_mode: ${line.senderMode}
    language: ${line.language}
`,
  );
  return `numbers:\n${numbers.join('')}`;
}

/** The bridge's environment: credentials plus the two emulator URLs, nothing sandbox-specific. */
export function bridgeEnv(urls: { graphUrl: string; slackApiUrl: string }, logLevel: string): Record<string, string> {
  return {
    WHATSAPP_ACCESS_TOKEN: SANDBOX_SECRETS.whatsappAccessToken,
    WHATSAPP_APP_SECRET: SANDBOX_SECRETS.whatsappAppSecret,
    WHATSAPP_VERIFY_TOKEN: SANDBOX_SECRETS.whatsappVerifyToken,
    WHATSAPP_API_URL: urls.graphUrl,
    SLACK_BOT_TOKEN: SANDBOX_SECRETS.slackBotToken,
    SLACK_SIGNING_SECRET: SANDBOX_SECRETS.slackSigningSecret,
    SLACK_API_URL: urls.slackApiUrl,
    SUPERVISORS: DEMO_SUPERVISORS.join(','),
    WHATSAPP_BUSINESS_ACCOUNT_ID: DEMO_BUSINESS_ACCOUNT_ID,
    SUPERVISOR_CHANNEL_ID: DEMO_SUPERVISOR_CHANNEL.id,
    LOG_LEVEL: logLevel,
  };
}
