/**
 * The end-to-end stack: the WhatsApp and Slack emulators in the test process and the real bridge
 * (`main.ts`) as a child process, wired through the public configuration only.
 */
import { SlackEmulator, WhatsAppEmulator, type EmulatedBusinessNumber, type EmulatedSlackUser } from '../../sandbox/emulators/index.js';
import { BridgeProcess } from '../../sandbox/bridge-process.js';

export const E2E_SECRETS = {
  appSecret: 'e2e-app-secret',
  accessToken: 'EAAG-e2e-token',
  verifyToken: 'verify-e2e',
  signingSecret: 'e2e-signing-secret',
  botToken: 'xoxb-e2e',
};

export interface E2eStack {
  whatsapp: WhatsAppEmulator;
  slack: SlackEmulator;
  bridge: BridgeProcess;
  /** Ends the bridge process and both emulators. */
  stop(): Promise<void>;
}

export async function startE2eStack(options: {
  numbers: EmulatedBusinessNumber[];
  configYaml: string;
  users: EmulatedSlackUser[];
  env?: Record<string, string>;
}): Promise<E2eStack> {
  const whatsapp = new WhatsAppEmulator({
    appSecret: E2E_SECRETS.appSecret,
    accessToken: E2E_SECRETS.accessToken,
    numbers: options.numbers,
    // Like Meta, keep redelivering for a while, so a webhook sent while the bridge is down arrives after restart.
    webhookRetryDelaysMs: [100, 250, 500, 1000, 1500, 2000, 3000, 4000],
  });
  const slack = new SlackEmulator({ signingSecret: E2E_SECRETS.signingSecret, botToken: E2E_SECRETS.botToken, users: options.users, echoBotMessages: true });
  const graphUrl = await whatsapp.start();
  const slackUrl = await slack.start();
  const bridge = await BridgeProcess.create({
    configYaml: options.configYaml,
    env: {
      WHATSAPP_ACCESS_TOKEN: E2E_SECRETS.accessToken,
      WHATSAPP_APP_SECRET: E2E_SECRETS.appSecret,
      WHATSAPP_VERIFY_TOKEN: E2E_SECRETS.verifyToken,
      WHATSAPP_API_URL: graphUrl,
      SLACK_BOT_TOKEN: E2E_SECRETS.botToken,
      SLACK_SIGNING_SECRET: E2E_SECRETS.signingSecret,
      SLACK_API_URL: `${slackUrl}/api/`,
      // Longer than the emulator's whole redelivery schedule (12.35 s), as the production default (60 s)
      // is meant to outlast Meta's early retries: a status proving a send must get through first.
      IN_DOUBT_GRACE_SECONDS: '15',
      ...options.env,
    },
  });
  whatsapp.setWebhookUrl(`${bridge.url}/webhooks/whatsapp`);
  slack.setEventsUrl(`${bridge.url}/slack/events`);
  await bridge.start();
  return {
    whatsapp,
    slack,
    bridge,
    async stop() {
      await bridge.cleanup();
      await whatsapp.stop();
      await slack.stop();
    },
  };
}

/** Polls `probe` until it returns something truthy. */
export async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
