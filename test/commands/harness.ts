/**
 * The whole bridge in this process (app.ts `startPuente`, as `npm start` wires it) against the local
 * WhatsApp and Slack emulators, for the command tests: Slack delivers signed, form-encoded slash
 * commands and interactivity payloads; the bridge's answers come back through the emulator.
 */
import { createHmac } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPuente, type Puente } from '../../app.js';
import { silentLogger } from '../../bot/logger.js';
import { loadConfig } from '../../config/load.js';
import { SlackEmulator, WhatsAppEmulator } from '../../sandbox/emulators/index.js';
import type { CommandResponseRecord } from '../../sandbox/emulators/slack/types.js';

export const APP_SECRET = 'commands-app-secret';
export const ACCESS_TOKEN = 'EAAG-commands';
export const SIGNING_SECRET = 'commands-signing-secret';
export const BOT_TOKEN = 'xoxb-commands';
export const WABA = '102290129340398';
export const SALES = { phoneNumberId: '1001', displayNumber: '34910000001' };
export const SUPPORT = { phoneNumberId: '1002', displayNumber: '34910000002' };
export const SUPERVISOR = { id: 'U0SUPER01', name: 'marta', displayName: 'Marta', realName: 'Marta Ruiz' };
export const AGENT = { id: 'U0AGENT01', name: 'lucia', displayName: 'Lucía', realName: 'Lucía Pérez' };
export const ANA = { waId: '34611111111', name: 'Ana García' };

export interface HarnessOptions {
  env?: Record<string, string>;
}

export class CommandHarness {
  whatsapp!: WhatsAppEmulator;
  slack!: SlackEmulator;
  puente!: Puente;
  dataDir!: string;
  private workDir!: string;

  async start(options: HarnessOptions = {}): Promise<void> {
    this.workDir = await mkdtemp(join(tmpdir(), 'puente-commands-'));
    this.dataDir = join(this.workDir, 'data');
    this.whatsapp = new WhatsAppEmulator({ appSecret: APP_SECRET, accessToken: ACCESS_TOKEN, numbers: [SALES, SUPPORT] });
    this.slack = new SlackEmulator({ signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN, users: [SUPERVISOR, AGENT] });
    const graphUrl = await this.whatsapp.start();
    const slackUrl = await this.slack.start();
    const configFile = join(this.workDir, 'puente.yaml');
    await writeFile(
      configFile,
      [
        'numbers:',
        `  - { phone_number_id: "${SALES.phoneNumberId}", display_name: Ventas, display_number: "+${SALES.displayNumber}", channel: C0SALES, language: es }`,
        `  - { phone_number_id: "${SUPPORT.phoneNumberId}", display_name: Support, display_number: "+${SUPPORT.displayNumber}", channel: C0SUPPORT, language: en }`,
      ].join('\n'),
    );
    const config = loadConfig({
      PUENTE_CONFIG: configFile,
      PORT: '1',
      DATA_DIR: this.dataDir,
      WHATSAPP_ACCESS_TOKEN: ACCESS_TOKEN,
      WHATSAPP_APP_SECRET: APP_SECRET,
      WHATSAPP_VERIFY_TOKEN: 'verify',
      WHATSAPP_API_URL: graphUrl,
      WHATSAPP_BUSINESS_ACCOUNT_ID: WABA,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: `${slackUrl}/api/`,
      SUPERVISORS: SUPERVISOR.id,
      ...options.env,
    });
    this.puente = await startPuente({ ...config, port: 0 }, silentLogger(), { host: '127.0.0.1' });
    const url = `http://127.0.0.1:${this.puente.port}`;
    this.whatsapp.setWebhookUrl(`${url}/webhooks/whatsapp`);
    this.slack.setEventsUrl(`${url}/slack/events`);
  }

  async stop(): Promise<void> {
    await this.puente?.stop();
    await this.whatsapp?.stop();
    await this.slack?.stop();
    await rm(this.workDir, { recursive: true, force: true });
  }

  get bridgeUrl(): string {
    return `http://127.0.0.1:${this.puente.port}`;
  }

  /** Runs a slash command in a channel as Slack does and returns the bridge's answer to it. */
  async command(user: { id: string }, command: string, text = '', channel = 'C0SALES'): Promise<CommandResponseRecord> {
    const record = await this.slack.slashCommand({ channel, user: user.id, command, text });
    if (record.status !== 200) throw new Error(`${command} answered HTTP ${record.status}`);
    return until(`answer to ${command} ${text}`, () =>
      this.slack.commandResponses().find((response) => response.commandId === record.id && response.text !== ''),
    );
  }

  /** The customer writes; resolves once the bridge has handled the webhook. */
  async customerWrites(text: string, from = ANA, numberId = SALES.phoneNumberId): Promise<string> {
    const sent = await this.whatsapp.sendText(numberId, from, text);
    if (sent.status !== 200) throw new Error(`webhook answered ${sent.status}`);
    await this.puente.bridge.idle();
    return sent.wamid;
  }

  /** Thread roots of a channel (top-level messages with a Puente header). */
  threadRoots(channel: string) {
    return this.slack.messages(channel).filter((message) => !message.thread_ts || message.thread_ts === message.ts);
  }

  /** Every store file's text, to look for what must not be there. */
  async storeFiles(): Promise<{ file: string; text: string }[]> {
    const files: { file: string; text: string }[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else files.push({ file: path, text: await readFile(path, 'utf8') });
      }
    };
    await walk(this.dataDir);
    return files;
  }

  /** POSTs an interactivity payload (a button press, a shortcut) signed as Slack signs it. */
  async interact(payload: Record<string, unknown>): Promise<number> {
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
    const response = await fetch(`${this.bridgeUrl}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature },
      body,
    });
    await response.text();
    return response.status;
  }
}

export async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
