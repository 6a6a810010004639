/**
 * One benchmark "stack": the WhatsApp and Slack emulators in this process, the real bridge
 * (`main.ts`) as a child process, and trackers that time when the emulators see the bridge's calls.
 *
 * Everything listens on 127.0.0.1. `close()` always ends the child process and removes its data dir.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SlackEmulator, WhatsAppEmulator, type SentMessageRecord, type SlackMessage } from '../sandbox/emulators/index.js';
import { BridgeProcess } from '../sandbox/bridge-process.js';

/** Loaded into the bridge to profile it and read its heap on request (see the file). */
const PROBE_PRELOAD = fileURLToPath(new URL('./bridge-probe.mjs', import.meta.url));

export const APP_SECRET = 'bench-app-secret';
export const ACCESS_TOKEN = 'EAAG-bench-token';
export const VERIFY_TOKEN = 'bench-verify';
export const SIGNING_SECRET = 'bench-signing-secret';
export const BOT_TOKEN = 'xoxb-bench';
export const AGENT = { id: 'U0BENCHAGENT', name: 'lucia', displayName: 'Lucía', realName: 'Lucía Pérez' };

export interface BenchNumber {
  phoneNumberId: string;
  displayNumber: string;
  channel: string;
  /** YAML `send_rate`; the bridge's default (80/s) when absent. */
  sendRate?: number;
}

export const DEFAULT_NUMBER: BenchNumber = { phoneNumberId: '1001', displayNumber: '34910000001', channel: 'C0BENCH' };

export interface StackOptions {
  numbers?: BenchNumber[];
  /** Play sent/delivered/read status webhooks after each send, as Meta does. */
  statuses: boolean;
  /** Echo the bridge's own Slack posts back as events, as Slack does. */
  slackEcho: boolean;
  /** Records kept per emulator log and per Slack channel; must exceed what one figure produces. */
  maxRecords: number;
  /** Write V8 profiles of the bridge's measured phases into this directory. */
  cpuProfileDir?: string;
  /** Which profile: CPU samples, or sampled allocations. */
  profileKind?: 'cpu' | 'alloc';
  /** Extra node flags for the bridge process (e.g. `--max-old-space-size=128`), for experiments. */
  bridgeNodeOptions?: string;
}

/**
 * Times arrivals against starts by key: `expect(key)` before the action, `arrive(key)` when an
 * emulator sees the result. Arrivals nobody expected are ignored; a key arriving twice is counted.
 */
export class ArrivalTracker {
  private readonly starts = new Map<string, number>();
  private readonly seen = new Set<string>();
  private waiters: { count: number; resolve: () => void }[] = [];
  readonly latencies: number[] = [];
  /** performance.now() of each matched arrival. */
  readonly arrivals: number[] = [];
  duplicates = 0;

  expect(key: string, start = performance.now()): void {
    this.starts.set(key, start);
  }

  arrive(key: string, at = performance.now()): void {
    const start = this.starts.get(key);
    if (start === undefined) {
      if (this.seen.has(key)) this.duplicates++;
      return;
    }
    this.starts.delete(key);
    this.seen.add(key);
    this.latencies.push(at - start);
    this.arrivals.push(at);
    this.waiters = this.waiters.filter((waiter) => {
      if (this.arrivals.length < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  }

  get arrived(): number {
    return this.arrivals.length;
  }

  get outstanding(): number {
    return this.starts.size;
  }

  /** Resolves true once `count` expected keys arrived, false after `timeoutMs`. */
  waitFor(count: number, timeoutMs: number): Promise<boolean> {
    if (this.arrivals.length >= count) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((other) => other !== waiter);
        resolve(false);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}

export class Stack {
  /** Customer posts in Slack, keyed `in:<wamid>` (the bridge's post metadata key). */
  readonly slackPosts = new ArrivalTracker();
  /** Thread roots in Slack, keyed by their metadata key (`thread:<conversation>:slack:<channel>`). */
  readonly slackRoots = new ArrivalTracker();
  /** Texts the bridge sent to WhatsApp. */
  readonly whatsappSends = new ArrivalTracker();
  /** performance.now() of every send the WhatsApp emulator accepted. */
  readonly sendTimes: number[] = [];
  /** Thread root ts by conversation key, e.g. `1001/wa:34600000001` → `1718….000100`. */
  readonly threads = new Map<string, { channel: string; ts: string }>();
  rootPosts = 0;

  private constructor(
    readonly whatsapp: WhatsAppEmulator,
    readonly slack: SlackEmulator,
    readonly bridge: BridgeProcess,
    readonly numbers: BenchNumber[],
    private readonly options: StackOptions,
    private readonly probeDir: string,
  ) {
    slack.on('message', ({ channel, message, author }) => {
      if (author !== 'bot') return;
      const key = metadataKey(message);
      if (key === undefined) return;
      if (key.startsWith('in:')) this.slackPosts.arrive(key.slice(3));
      else if (key.startsWith('thread:')) {
        this.rootPosts++;
        // thread:<numberId>/<customerKey>:slack:<channel>
        const conversation = key.slice('thread:'.length, key.lastIndexOf(':slack:'));
        this.threads.set(conversation, { channel, ts: message.ts });
        this.slackRoots.arrive(conversation);
      }
    });
    whatsapp.on('message', (record: SentMessageRecord) => {
      this.sendTimes.push(performance.now());
      const text = (record.body.text as { body?: unknown } | undefined)?.body;
      if (typeof text === 'string') this.whatsappSends.arrive(text);
    });
  }

  static async start(options: StackOptions): Promise<Stack> {
    const numbers = options.numbers ?? [DEFAULT_NUMBER];
    const whatsapp = new WhatsAppEmulator({
      appSecret: APP_SECRET,
      accessToken: ACCESS_TOKEN,
      numbers: numbers.map(({ phoneNumberId, displayNumber }) => ({ phoneNumberId, displayNumber })),
      statusDelaysMs: options.statuses ? { sent: 5, delivered: 10, read: 15 } : { sent: null, delivered: null, read: null },
      webhookRetryDelaysMs: [100, 500, 1000],
      maxRecords: options.maxRecords,
    });
    const slack = new SlackEmulator({
      signingSecret: SIGNING_SECRET,
      botToken: BOT_TOKEN,
      users: [AGENT],
      echoBotMessages: options.slackEcho,
      maxRecords: options.maxRecords,
    });
    const probeDir = await mkdtemp(path.join(os.tmpdir(), 'puente-bench-probe-'));
    const graphUrl = await whatsapp.start();
    const slackUrl = await slack.start();
    const env: Record<string, string> = {
      WHATSAPP_ACCESS_TOKEN: ACCESS_TOKEN,
      WHATSAPP_APP_SECRET: APP_SECRET,
      WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN,
      WHATSAPP_API_URL: graphUrl,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: `${slackUrl}/api/`,
      LOG_LEVEL: 'warn',
      NODE_OPTIONS: `--import ${PROBE_PRELOAD}${options.bridgeNodeOptions ? ` ${options.bridgeNodeOptions}` : ''}`,
      BENCH_PROBE_DIR: probeDir,
      ...(options.cpuProfileDir ? { BENCH_CPU_PROFILE_DIR: options.cpuProfileDir } : {}),
    };
    let bridge: BridgeProcess | undefined;
    try {
      bridge = await BridgeProcess.create({ env, configYaml: configYaml(numbers), entry: 'compiled' });
      whatsapp.setWebhookUrl(`${bridge.url}/webhooks/whatsapp`);
      slack.setEventsUrl(`${bridge.url}/slack/events`);
      await bridge.start(30_000);
    } catch (error) {
      await bridge?.cleanup();
      await whatsapp.stop();
      await slack.stop();
      await rm(probeDir, { recursive: true, force: true });
      throw error;
    }
    return new Stack(whatsapp, slack, bridge, numbers, options, probeDir);
  }

  get webhookUrl(): URL {
    return new URL(`${this.bridge.url}/webhooks/whatsapp`);
  }

  /** Runs a command of bench/bridge-probe.mjs inside the bridge and returns its answer (undefined if none in 10 s). */
  async probe(
    command: 'profile-start' | 'profile-stop' | 'alloc-start' | 'alloc-stop' | 'memory' | 'runtime-start' | 'runtime-stop',
  ): Promise<Record<string, unknown> | undefined> {
    const pid = this.bridge.pid;
    if (pid === undefined) return undefined;
    const answer = path.join(this.probeDir, `${command}.json`);
    await rm(answer, { force: true });
    await writeFile(path.join(this.probeDir, 'command'), command);
    process.kill(pid, 'SIGUSR2');
    for (const deadline = performance.now() + 10_000; performance.now() < deadline; ) {
      try {
        return JSON.parse(await readFile(answer, 'utf8')) as Record<string, unknown>;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    return undefined;
  }

  /** Starts the bridge's profile, if the bench was asked for profiles. */
  async startProfile(): Promise<void> {
    if (this.options.cpuProfileDir) await this.probe(this.options.profileKind === 'alloc' ? 'alloc-start' : 'profile-start');
  }

  /** Stops the bridge's profile and writes it, if one is running. */
  async stopProfile(): Promise<void> {
    if (this.options.cpuProfileDir) await this.probe(this.options.profileKind === 'alloc' ? 'alloc-stop' : 'profile-stop');
  }

  /** Lines the bridge logged at warn level or above (LOG_LEVEL=warn), from the kept tail of its output. */
  logLines(): string[] {
    return this.bridge.log.split('\n').filter((line) => line.trim() !== '');
  }

  async close(): Promise<void> {
    try {
      if (this.options.cpuProfileDir && this.bridge.running) {
        // SIGTERM lets the process exit normally, so a profile still running is written.
        const stopped = this.bridge.stop();
        const timeout = new Promise((resolve) => setTimeout(resolve, 20_000).unref());
        await Promise.race([stopped, timeout]);
      }
    } finally {
      await this.bridge.cleanup();
      await this.whatsapp.stop();
      await this.slack.stop();
      await rm(this.probeDir, { recursive: true, force: true });
    }
  }
}

function metadataKey(message: SlackMessage): string | undefined {
  const key = message.metadata?.event_payload?.key;
  return typeof key === 'string' ? key : undefined;
}

function configYaml(numbers: BenchNumber[]): string {
  const lines = ['numbers:'];
  for (const number of numbers) {
    lines.push(
      `  - phone_number_id: "${number.phoneNumberId}"`,
      `    display_name: Bench ${number.phoneNumberId}`,
      `    channel: ${number.channel}`,
      '    sender_mode: branded',
      '    language: es',
    );
    if (number.sendRate !== undefined) lines.push(`    send_rate: ${number.sendRate}`);
  }
  return `${lines.join('\n')}\n`;
}
