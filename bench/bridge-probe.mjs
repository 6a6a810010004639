/**
 * Preload the benchmark puts into the bridge process (NODE_OPTIONS="--import <this file>") so it
 * can look inside without changing the bridge. Inert until asked: on SIGUSR2 it reads a command
 * from `$BENCH_PROBE_DIR/command`, runs it, and writes `$BENCH_PROBE_DIR/<command>.json`.
 *
 *   profile-start   start a V8 CPU profile of the main thread (Node 20 refuses --cpu-prof in NODE_OPTIONS)
 *   profile-stop    stop it and write $BENCH_CPU_PROFILE_DIR/bridge-<pid>-<n>.cpuprofile
 *   alloc-start     start V8's sampling heap profiler, keeping samples of objects already collected
 *   alloc-stop      stop it and write $BENCH_CPU_PROFILE_DIR/bridge-<pid>-<n>.heapprofile (who allocated what)
 *   memory          full GC, then process.memoryUsage() and V8 heap space sizes: what the RSS holds
 *   runtime-start   start watching the event loop's delay and GC pauses (cheap: a 10 ms histogram timer, a GC observer)
 *   runtime-stop    stop, and report loop delay percentiles and GC pauses by kind since runtime-start
 *
 * A profile still running when the process exits (the bench stops the bridge with SIGTERM) is written then.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import v8 from 'node:v8';
import { isMainThread } from 'node:worker_threads';
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

const probeDir = process.env.BENCH_PROBE_DIR;
const profileDir = process.env.BENCH_CPU_PROFILE_DIR;

if (probeDir && isMainThread) {
  let session;
  let profiling = false;
  let written = 0;
  // An in-thread inspector session answers synchronously, so everything here completes in the call.
  const post = (method, params) => {
    if (!session) {
      session = new Session();
      session.connect();
    }
    let answer;
    session.post(method, params ?? {}, (error, result) => {
      answer = error ? { error: String(error.message ?? error) } : result;
    });
    return answer;
  };
  const stopProfile = () => {
    if (!profiling) return undefined;
    profiling = false;
    const result = post('Profiler.stop');
    if (!result?.profile || !profileDir) return undefined;
    mkdirSync(profileDir, { recursive: true });
    written += 1;
    const file = join(profileDir, `bridge-${process.pid}-${written}.cpuprofile`);
    writeFileSync(file, JSON.stringify(result.profile));
    return file;
  };
  let runtime;
  const GC_KINDS = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak-callbacks',
  };
  const commands = {
    'runtime-start': () => {
      runtime?.observer.disconnect();
      runtime?.histogram.disable();
      const histogram = monitorEventLoopDelay({ resolution: 10 });
      const gc = {};
      const observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          const kind = GC_KINDS[entry.detail?.kind ?? entry.kind] ?? 'other';
          const stats = (gc[kind] ??= { count: 0, totalMs: 0, maxMs: 0 });
          stats.count += 1;
          stats.totalMs += entry.duration;
          stats.maxMs = Math.max(stats.maxMs, entry.duration);
        }
      });
      observer.observe({ entryTypes: ['gc'] });
      histogram.enable();
      runtime = { histogram, observer, gc, startedAt: performance.now() };
      return { watching: true };
    },
    'runtime-stop': () => {
      if (!runtime) return { error: 'runtime-start was not called' };
      const { histogram, observer, gc, startedAt } = runtime;
      runtime = undefined;
      histogram.disable();
      observer.disconnect();
      // The histogram records the time between timer runs, which includes the 10 ms resolution itself.
      const ms = (ns) => Math.max(0, Math.round((ns - 10e6) / 1e4) / 100);
      const round = (value) => Math.round(value * 100) / 100;
      return {
        seconds: round((performance.now() - startedAt) / 1000),
        // How late the loop ran, beyond the 10 ms sampling timer: time a ready callback had to wait.
        loopDelayMs: { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) },
        gc: Object.fromEntries(Object.entries(gc).map(([kind, stats]) => [kind, { count: stats.count, totalMs: round(stats.totalMs), maxMs: round(stats.maxMs) }])),
      };
    },
    'profile-start': () => {
      post('Profiler.enable');
      post('Profiler.setSamplingInterval', { interval: 500 });
      post('Profiler.start');
      profiling = true;
      return { profiling };
    },
    'profile-stop': () => ({ file: stopProfile() }),
    'alloc-start': () => {
      post('HeapProfiler.enable');
      // Collected objects are kept so the profile shows allocation volume, not just what survived.
      return post('HeapProfiler.startSampling', {
        samplingInterval: 16384,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
    },
    'alloc-stop': () => {
      const result = post('HeapProfiler.stopSampling');
      if (!result?.profile || !profileDir) return { error: result?.error ?? 'no profile' };
      mkdirSync(profileDir, { recursive: true });
      written += 1;
      const file = join(profileDir, `bridge-${process.pid}-${written}.heapprofile`);
      writeFileSync(file, JSON.stringify(result.profile));
      return { file };
    },
    memory: async () => {
      post('HeapProfiler.enable');
      // Several times, with pauses: FinalizationRegistry callbacks (fetch bodies, …) run as tasks
      // after a collection, and what they release is only freed by the next one.
      for (let round = 0; round < 3; round++) {
        post('HeapProfiler.collectGarbage');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      post('HeapProfiler.collectGarbage');
      const mib = (bytes) => Math.round((bytes / 1024 / 1024) * 10) / 10;
      const usage = process.memoryUsage();
      return {
        afterFullGcMiB: Object.fromEntries(Object.entries(usage).map(([key, value]) => [key, mib(value)])),
        heapSpacesUsedMiB: Object.fromEntries(v8.getHeapSpaceStatistics().map((space) => [space.space_name, mib(space.space_used_size)])),
        heapSizeLimitMiB: mib(v8.getHeapStatistics().heap_size_limit),
      };
    },
  };
  process.on('SIGUSR2', async () => {
    let command = '?';
    try {
      command = readFileSync(join(probeDir, 'command'), 'utf8').trim();
      const run = commands[command];
      const result = run ? await run() : { error: `unknown probe command ${command}` };
      writeFileSync(join(probeDir, `${command}.json`), JSON.stringify(result ?? {}));
    } catch (error) {
      writeFileSync(join(probeDir, `${command}.json`), JSON.stringify({ error: String(error) }));
    }
  });
  process.on('exit', () => {
    stopProfile();
  });
}
