/**
 * `npm run sandbox`: the whole bridge on one machine, no accounts needed.
 *
 * Starts the WhatsApp Cloud API emulator and the Slack emulator on loopback, then the production
 * bridge as its own process (`main.ts`, embedded store in a fresh temporary directory) pointed at
 * them through its public configuration only (WHATSAPP_API_URL, SLACK_API_URL, a PUENTE_CONFIG file
 * with two numbers). Then it serves one page, http://localhost:8080/ (SANDBOX_PORT), with a
 * customer's phone on the left and the Slack channel on the right, both live.
 *
 * `startSandbox()` does the same for tests and returns a handle to stop it all.
 */
import { pathToFileURL } from 'node:url';
import { BridgeProcess } from './bridge-process.js';
import { bridgeConfigYaml, bridgeEnv, DEMO_AGENTS, DEMO_LINES, DEMO_SUPERVISOR_CHANNEL, emulatedNumbers, SANDBOX_SECRETS } from './demo-workspace.js';
import { SlackEmulator, WhatsAppEmulator } from './emulators/index.js';
import { SandboxActions } from './actions.js';
import { EventStream } from './live/event-stream.js';
import { SandboxServer } from './server.js';
import { SandboxWorld } from './world.js';

export const DEFAULT_SANDBOX_PORT = 8080;

/**
 * Slow enough to watch the ticks go ✓ → ✓✓ → blue ✓✓ (the emulator's defaults, a few ms, are for
 * tests); the customer "reads" every message a few seconds after it arrives.
 */
const VISIBLE_STATUS_DELAYS_MS = { sent: 400, delivered: 1300, read: 3000 };

export interface SandboxOptions {
  /** Port of the page; 0 picks a free one. Default 8080. */
  port?: number;
  /** The bridge's LOG_LEVEL. Default `warn`. */
  bridgeLogLevel?: string;
  /** Called if the bridge process dies on its own, with the tail of its output. */
  onBridgeExit?: (logTail: string) => void;
}

export interface RunningSandbox {
  /** The page: `http://localhost:<port>/`. */
  url: string;
  port: number;
  whatsapp: WhatsAppEmulator;
  slack: SlackEmulator;
  bridge: BridgeProcess;
  stop(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const whatsapp = new WhatsAppEmulator({
    appSecret: SANDBOX_SECRETS.whatsappAppSecret,
    accessToken: SANDBOX_SECRETS.whatsappAccessToken,
    numbers: emulatedNumbers(),
    statusDelaysMs: VISIBLE_STATUS_DELAYS_MS,
  });
  const slack = new SlackEmulator({
    signingSecret: SANDBOX_SECRETS.slackSigningSecret,
    botToken: SANDBOX_SECRETS.slackBotToken,
    users: [...DEMO_AGENTS],
    channels: [...DEMO_LINES.map((line) => line.channel), DEMO_SUPERVISOR_CHANNEL],
    // Real Slack echoes the app's own posts as events; the bridge must ignore them, so show it that.
    echoBotMessages: true,
  });
  const stream = new EventStream(() => world.snapshot());
  const world = new SandboxWorld(whatsapp, slack, (entry) => {
    if (entry) stream.send('activity', entry);
    stream.changed();
  });
  const server = new SandboxServer({ world, actions: new SandboxActions(world), stream });
  // The page's port first: if it is taken, fail before starting anything else.
  const port = await server.listen(options.port ?? DEFAULT_SANDBOX_PORT);

  let bridge: BridgeProcess | undefined;
  let watchdog: NodeJS.Timeout | undefined;
  let stopping = false;
  const stop = async (): Promise<void> => {
    stopping = true;
    if (watchdog) clearInterval(watchdog);
    await server.close();
    if (bridge) {
      await bridge.stop(); // SIGTERM: the bridge shuts down as in production
      await bridge.cleanup(); // then its temporary data directory goes
    }
    await whatsapp.stop();
    await slack.stop();
  };

  try {
    const graphUrl = await whatsapp.start();
    await slack.start();
    bridge = await BridgeProcess.create({
      configYaml: bridgeConfigYaml(),
      env: bridgeEnv({ graphUrl, slackApiUrl: slack.apiUrl }, options.bridgeLogLevel ?? 'warn'),
    });
    whatsapp.setWebhookUrl(`${bridge.url}/webhooks/whatsapp`);
    slack.setEventsUrl(`${bridge.url}/slack/events`);
    await bridge.start(60_000);
  } catch (error) {
    await stop();
    throw error;
  }

  const running = bridge;
  watchdog = setInterval(() => {
    if (!stopping && !running.running) {
      clearInterval(watchdog);
      options.onBridgeExit?.(running.log.slice(-5000));
    }
  }, 1000);
  watchdog.unref();

  return { url: `http://localhost:${port}/`, port, whatsapp, slack, bridge: running, stop };
}

async function main(): Promise<void> {
  const port = process.env.SANDBOX_PORT ? Number(process.env.SANDBOX_PORT) : DEFAULT_SANDBOX_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`SANDBOX_PORT must be a port number, got ${process.env.SANDBOX_PORT}`);
  process.stdout.write('Starting the Puente sandbox: WhatsApp and Slack emulators, then the bridge…\n');
  let sandbox: RunningSandbox;
  try {
    sandbox = await startSandbox({
      port,
      ...(process.env.LOG_LEVEL ? { bridgeLogLevel: process.env.LOG_LEVEL } : {}),
      onBridgeExit: (tail) => {
        process.stderr.write(`The bridge stopped unexpectedly. Its last output:\n${tail}\n`);
        void sandbox.stop().finally(() => process.exit(1));
      },
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      process.stderr.write(`Port ${port} is already in use. Pick another one: SANDBOX_PORT=8081 npm run sandbox\n`);
      process.exit(1);
    }
    throw error;
  }
  process.stdout.write(
    [
      `  WhatsApp Cloud API emulator  ${sandbox.whatsapp.baseUrl}`,
      `  Slack API emulator           ${sandbox.slack.apiUrl}`,
      `  bridge (npm start's main.ts) ${sandbox.bridge.url}  pid ${sandbox.bridge.pid}`,
      '',
      `Puente sandbox ready: ${sandbox.url}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) process.exit(130); // a second Ctrl-C: stop waiting
    stopping = true;
    process.stdout.write('\nStopping the sandbox…\n');
    sandbox.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`Stopping failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`The sandbox could not start: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  });
}
