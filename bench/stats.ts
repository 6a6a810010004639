/**
 * Small numeric helpers for the end-to-end benchmark: percentiles, sliding windows, and what Linux
 * says about a process (memory from /proc/<pid>/status, CPU time from /proc/<pid>/stat).
 */
import { readFile } from 'node:fs/promises';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface Distribution {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles (milliseconds in, milliseconds out, one decimal). */
export function distribution(values: readonly number[]): Distribution {
  if (values.length === 0) return { count: 0, p50: NaN, p90: NaN, p99: NaN, max: NaN, mean: NaN };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    count: sorted.length,
    p50: round(at(0.5), 2),
    p90: round(at(0.9), 2),
    p99: round(at(0.99), 2),
    max: round(sorted[sorted.length - 1]!, 2),
    mean: round(sum / sorted.length, 2),
  };
}

/** The largest number of `times` (ms) that fall in any half-open window [t, t + windowMs). */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  const sorted = Float64Array.from(times).sort();
  let best = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while (sorted[last]! - sorted[first]! >= windowMs) first++;
    best = Math.max(best, last - first + 1);
  }
  return best;
}

export function round(value: number, digits = 1): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export interface ProcessMemory {
  /** Peak resident set size (VmHWM), MiB. */
  peakRssMiB: number;
  /** Current resident set size (VmRSS), MiB. */
  rssMiB: number;
}

/** Reads VmHWM and VmRSS of a live process (Linux only); undefined if unavailable. */
export async function processMemory(pid: number | undefined): Promise<ProcessMemory | undefined> {
  if (pid === undefined) return undefined;
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { peakRssMiB: round(kib('VmHWM') / 1024), rssMiB: round(kib('VmRSS') / 1024) };
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; undefined if unavailable. */
export async function processCpuSeconds(pid: number | undefined): Promise<{ user: number; system: number } | undefined> {
  if (pid === undefined) return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 overall.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) / CLOCK_TICKS_PER_SECOND, system: Number(fields[12]) / CLOCK_TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/** CPU seconds the whole machine has been busy (all cores; everything but idle and iowait), from /proc/stat. */
export async function machineBusySeconds(): Promise<number | undefined> {
  try {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0]!;
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already inside user).
    const busy = ticks.slice(0, 8).reduce((sum, value, index) => (index === 3 || index === 4 ? sum : sum + value), 0);
    return busy / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * Waits (at most `maxWaitMs`) until processes other than this one use less than `thresholdCores` for
 * three seconds in a row: other work on a 2-core machine distorts every figure. Resolves with the
 * load last seen from others, in cores.
 */
export async function waitForQuietMachine(maxWaitMs: number, thresholdCores: number, onBusy: (cores: number) => void): Promise<number | undefined> {
  const deadline = performance.now() + maxWaitMs;
  let quietSeconds = 0;
  let reported = false;
  let others: number | undefined;
  for (;;) {
    const busyStart = await machineBusySeconds();
    const selfStart = process.cpuUsage();
    const wallStart = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const busyEnd = await machineBusySeconds();
    if (busyStart === undefined || busyEnd === undefined) return undefined;
    const self = process.cpuUsage(selfStart);
    const wall = (performance.now() - wallStart) / 1000;
    others = round((busyEnd - busyStart - (self.user + self.system) / 1e6) / wall, 2);
    quietSeconds = others < thresholdCores ? quietSeconds + 1 : 0;
    if (quietSeconds >= 3 || performance.now() > deadline) return others;
    if (!reported && others >= thresholdCores) {
      reported = true;
      onBusy(others);
    }
  }
}

/** USER_HZ: 100 on every mainstream Linux build. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface CpuFigures {
  bridgeCores: number | undefined;
  /** The part of bridgeCores spent in the kernel (syscalls: sockets, writes, fdatasync). */
  bridgeSystemCores: number | undefined;
  benchCores: number;
  /** Cores used by everything else on the machine meanwhile (other people's tests distort figures). */
  otherCores: number | undefined;
  benchLoopDelayP99Ms: number;
  benchLoopDelayMaxMs: number;
}

/** Measures CPU use of the bridge (by pid) and of this process over an interval. */
export class CpuMeter {
  private constructor(
    private readonly pid: number | undefined,
    private readonly bridgeStart: { user: number; system: number } | undefined,
    private readonly selfStart: NodeJS.CpuUsage,
    private readonly wallStart: number,
    private readonly machineStart: number | undefined,
  ) {}

  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 5 });

  static async start(pid: number | undefined): Promise<CpuMeter> {
    const meter = new CpuMeter(pid, await processCpuSeconds(pid), process.cpuUsage(), performance.now(), await machineBusySeconds());
    meter.loopDelay.enable();
    return meter;
  }

  /**
   * Cores busy on average since start (1.0 = one core fully busy), and how late this process's own
   * event loop ran (p99/max, ms): a late bench loop would make the bench, not the bridge, the limit.
   */
  async stop(): Promise<CpuFigures> {
    const wallSeconds = (performance.now() - this.wallStart) / 1000;
    const bridgeNow = await processCpuSeconds(this.pid);
    const machineNow = await machineBusySeconds();
    const self = process.cpuUsage(this.selfStart);
    this.loopDelay.disable();
    const bridgeStart = this.bridgeStart;
    const bridgeUser = bridgeNow === undefined || bridgeStart === undefined ? undefined : (bridgeNow.user - bridgeStart.user) / wallSeconds;
    const bridgeSystem = bridgeNow === undefined || bridgeStart === undefined ? undefined : (bridgeNow.system - bridgeStart.system) / wallSeconds;
    const bridgeCores = bridgeUser === undefined || bridgeSystem === undefined ? undefined : bridgeUser + bridgeSystem;
    const benchCores = (self.user + self.system) / 1e6 / wallSeconds;
    const machineCores = machineNow === undefined || this.machineStart === undefined ? undefined : (machineNow - this.machineStart) / wallSeconds;
    return {
      bridgeCores: bridgeCores === undefined ? undefined : round(bridgeCores, 2),
      bridgeSystemCores: bridgeSystem === undefined ? undefined : round(bridgeSystem, 2),
      benchCores: round(benchCores, 2),
      otherCores: machineCores === undefined ? undefined : round(Math.max(0, machineCores - benchCores - (bridgeCores ?? 0)), 2),
      // The histogram records the time between timer runs, which includes the 5 ms resolution itself.
      benchLoopDelayP99Ms: round(Math.max(0, this.loopDelay.percentile(99) / 1e6 - 5), 1),
      benchLoopDelayMaxMs: round(Math.max(0, this.loopDelay.max / 1e6 - 5), 1),
    };
  }
}
