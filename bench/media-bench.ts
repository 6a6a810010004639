/**
 * Media figures for `npm run bench`: throughput of files through the real bridge process, and the
 * bridge's peak RSS while 30 files of 16 MB cross at once (target: below 300 MB).
 *
 *   inbound   30 customers each send one 16 MB video at the same moment; timed until all 30 files
 *             are in their Slack threads (download from WhatsApp, checksum, type check, upload to Slack).
 *   outbound  one agent shares 30 files of 16 MB in one message; timed until WhatsApp has all 30 sends
 *             (download from Slack, type check, upload to WhatsApp, send by id — in order, one lane).
 *
 * The emulators run in this process (their memory is not the bridge's); the bridge is its own
 * process, and its peak RSS is the kernel's high-water mark (VmHWM), reset between the two phases
 * where the kernel allows (`/proc/<pid>/clear_refs`), and also sampled every 50 ms.
 *
 * Self-contained on purpose (own emulators with room for ~1 GB of files), so bench/run.ts only
 * needs to call `measureMediaThroughput()` and print what it returns.
 */
import { writeFile } from 'node:fs/promises';
import { MiB } from '../bot/media-limits.js';
import { SlackEmulator, WhatsAppEmulator, type SentMessageRecord, type SlackMessage } from '../sandbox/emulators/index.js';
import { BridgeProcess } from '../sandbox/bridge-process.js';
import { mp4, pdf } from '../test/helpers/media-files.js';
import { processMemory, round } from './stats.js';

export interface MediaBenchOptions {
  /** Files per direction (default 30: WhatsApp's per-message maximum). */
  files?: number;
  /** Bytes per file (default 16 MB: the bridge's per-file maximum). */
  fileBytes?: number;
  /** Per phase (default 5 minutes). */
  timeoutMs?: number;
  log?: (message: string) => void;
}

export interface MediaPhaseFigures {
  files: number;
  /** Files that arrived before the timeout. */
  arrived: number;
  bytes: number;
  seconds: number;
  /** Megabytes (10^6 bytes) of file content per second through the bridge. */
  mbPerSecond: number;
  /** The bridge's peak RSS during this phase, MiB (VmHWM when it could be reset, else the sampled maximum). */
  peakRssMiB?: number;
}

export interface MediaBenchFigures {
  inbound: MediaPhaseFigures;
  outbound: MediaPhaseFigures;
  /** Highest RSS of the bridge over both phases, MiB and MB. */
  peakRssMiB: number;
  peakRssMB: number;
  /** RSS right after start, before any file. */
  baselineRssMiB?: number;
  target: { maxPeakRssMB: number };
  pass: boolean;
}

export const MEDIA_PEAK_RSS_TARGET_MB = 300;

const APP_SECRET = 'bench-media-secret';
const ACCESS_TOKEN = 'EAAG-bench-media';
const SIGNING_SECRET = 'bench-media-signing';
const BOT_TOKEN = 'xoxb-bench-media';
const NUMBER = { phoneNumberId: '1001', displayNumber: '34910000001' };
const CHANNEL = 'C0BENCHMEDIA';
const AGENT = { id: 'U0BENCHAGENT', name: 'lucia', displayName: 'Lucía', realName: 'Lucía Pérez' };

export async function measureMediaThroughput(options: MediaBenchOptions = {}): Promise<MediaBenchFigures> {
  const count = options.files ?? 30;
  const fileBytes = options.fileBytes ?? 16 * MiB;
  const timeoutMs = options.timeoutMs ?? 5 * 60_000;
  const log = options.log ?? (() => undefined);
  const room = 4 * count * fileBytes + 64 * MiB;

  const whatsapp = new WhatsAppEmulator({ appSecret: APP_SECRET, accessToken: ACCESS_TOKEN, numbers: [NUMBER], maxMediaBytes: room, statusDelaysMs: { sent: null, delivered: null, read: null } });
  const slack = new SlackEmulator({ signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN, users: [AGENT], echoBotMessages: true, maxFileBytes: room });
  const graphUrl = await whatsapp.start();
  const slackUrl = await slack.start();
  const bridge = await BridgeProcess.create({
    entry: 'compiled',
    configYaml: `numbers:\n  - phone_number_id: "${NUMBER.phoneNumberId}"\n    display_name: Bench\n    channel: ${CHANNEL}\n    language: en\n`,
    env: {
      WHATSAPP_ACCESS_TOKEN: ACCESS_TOKEN,
      WHATSAPP_APP_SECRET: APP_SECRET,
      WHATSAPP_VERIFY_TOKEN: 'bench-verify',
      WHATSAPP_API_URL: graphUrl,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: `${slackUrl}/api/`,
      LOG_LEVEL: 'warn',
    },
  });
  try {
    whatsapp.setWebhookUrl(`${bridge.url}/webhooks/whatsapp`);
    slack.setEventsUrl(`${bridge.url}/slack/events`);
    await bridge.start(30_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const baseline = await processMemory(bridge.pid);

    // ── inbound: 30 customers, one file each, all at once ──────────────────────────────────────
    const video = mp4(fileBytes); // one buffer shared by every send: the emulator keeps references
    const inboundArrivals = new Set<string>();
    let inboundDone = (): void => undefined;
    const inboundAll = new Promise<void>((resolve) => (inboundDone = resolve));
    slack.on('message', ({ message, author }) => {
      if (author !== 'bot' || !message.files?.length || !message.thread_ts) return;
      inboundArrivals.add(message.files[0]!.id);
      if (inboundArrivals.size >= count) inboundDone();
    });
    log(`media: ${count} customers each send a ${round(fileBytes / MiB)} MB video at once`);
    const inbound = await phase(bridge.pid, timeoutMs, inboundAll, () => inboundArrivals.size, async () => {
      await Promise.all(
        Array.from({ length: count }, (_, index) =>
          whatsapp.sendMedia(NUMBER.phoneNumberId, { waId: `3460${String(index).padStart(7, '0')}`, name: `Cliente ${index}` }, { kind: 'video', data: video, mimeType: 'video/mp4' }),
        ),
      );
    });

    // ── outbound: one agent message with 30 files ──────────────────────────────────────────────
    const thread = slack.messages(CHANNEL).find((message: SlackMessage) => !message.thread_ts || message.thread_ts === message.ts);
    if (!thread) throw new Error('media bench: no thread was opened');
    const document = pdf(fileBytes);
    const outboundSends: SentMessageRecord[] = [];
    let outboundDone = (): void => undefined;
    const outboundAll = new Promise<void>((resolve) => (outboundDone = resolve));
    whatsapp.on('message', (record) => {
      if (record.type !== 'document') return;
      outboundSends.push(record);
      if (outboundSends.length >= count) outboundDone();
    });
    log(`media: an agent shares ${count} files of ${round(fileBytes / MiB)} MB in one message`);
    const outbound = await phase(bridge.pid, timeoutMs, outboundAll, () => outboundSends.length, async () => {
      await slack.postAsUser({
        channel: CHANNEL,
        threadTs: thread.ts,
        user: AGENT.id,
        text: '',
        files: Array.from({ length: count }, (_, index) => ({ name: `catalogue-${index + 1}.pdf`, data: document })),
      });
    });

    const overall = await processMemory(bridge.pid);
    const peakRssMiB = Math.max(inbound.peakRssMiB ?? 0, outbound.peakRssMiB ?? 0, overall?.peakRssMiB ?? 0);
    const peakRssMB = round((peakRssMiB * MiB) / 1e6);
    return {
      inbound: withRate(inbound, count, fileBytes),
      outbound: withRate(outbound, count, fileBytes),
      peakRssMiB,
      peakRssMB,
      ...(baseline ? { baselineRssMiB: baseline.rssMiB } : {}),
      target: { maxPeakRssMB: MEDIA_PEAK_RSS_TARGET_MB },
      pass: inbound.arrived === count && outbound.arrived === count && peakRssMB < MEDIA_PEAK_RSS_TARGET_MB,
    };
  } finally {
    await bridge.cleanup();
    await whatsapp.stop();
    await slack.stop();
  }
}

interface RawPhase {
  arrived: number;
  seconds: number;
  peakRssMiB?: number;
}

/** Runs `start`, waits for `done` (or the timeout), and watches the bridge's RSS meanwhile. */
async function phase(pid: number | undefined, timeoutMs: number, done: Promise<void>, arrived: () => number, start: () => Promise<void>): Promise<RawPhase> {
  const resetPeak = await resetHighWaterMark(pid);
  let sampledMiB = 0;
  const sampler = setInterval(() => {
    void processMemory(pid).then((memory) => {
      if (memory) sampledMiB = Math.max(sampledMiB, memory.rssMiB);
    });
  }, 50);
  const began = performance.now();
  try {
    await start();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    const seconds = (performance.now() - began) / 1000;
    const memory = await processMemory(pid);
    const peak = resetPeak && memory ? memory.peakRssMiB : Math.max(sampledMiB, memory?.rssMiB ?? 0);
    return { arrived: arrived(), seconds, peakRssMiB: peak || undefined };
  } finally {
    clearInterval(sampler);
  }
}

function withRate(raw: RawPhase, files: number, fileBytes: number): MediaPhaseFigures {
  const bytes = raw.arrived * fileBytes;
  return {
    files,
    arrived: raw.arrived,
    bytes,
    seconds: round(raw.seconds, 2),
    mbPerSecond: round(bytes / 1e6 / raw.seconds, 1),
    ...(raw.peakRssMiB === undefined ? {} : { peakRssMiB: raw.peakRssMiB }),
  };
}

/** Writing 5 to clear_refs resets VmHWM to the current RSS (Linux ≥ 4.0, same user); false where refused. */
async function resetHighWaterMark(pid: number | undefined): Promise<boolean> {
  if (pid === undefined) return false;
  try {
    await writeFile(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
