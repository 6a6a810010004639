/**
 * Preload the benchmark puts into the bridge process (NODE_OPTIONS="--import <this file>") so it
 * can look inside without changing the bridge. Inert until asked: on SIGUSR2 it reads a command
 * from `$BENCH_PROBE_DIR/command`, runs it, and writes `$BENCH_PROBE_DIR/<command>.json`.
 *
 *   profile-start   start a V8 CPU profile of the main thread (Node 20 refuses --cpu-prof in NODE_OPTIONS)
 *   profile-stop    stop it and write $BENCH_CPU_PROFILE_DIR/bridge-<pid>-<n>.cpuprofile
 *   memory          full GC, then process.memoryUsage() and V8 heap space sizes: what the RSS holds
 *
 * A profile still running when the process exits (the bench stops the bridge with SIGTERM) is written then.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import v8 from 'node:v8';
import { isMainThread } from 'node:worker_threads';

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
  const commands = {
    'profile-start': () => {
      post('Profiler.enable');
      post('Profiler.setSamplingInterval', { interval: 500 });
      post('Profiler.start');
      profiling = true;
      return { profiling };
    },
    'profile-stop': () => ({ file: stopProfile() }),
    memory: () => {
      post('HeapProfiler.enable');
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
  process.on('SIGUSR2', () => {
    let command = '?';
    try {
      command = readFileSync(join(probeDir, 'command'), 'utf8').trim();
      const run = commands[command];
      const result = run ? run() : { error: `unknown probe command ${command}` };
      writeFileSync(join(probeDir, `${command}.json`), JSON.stringify(result ?? {}));
    } catch (error) {
      writeFileSync(join(probeDir, `${command}.json`), JSON.stringify({ error: String(error) }));
    }
  });
  process.on('exit', () => {
    stopProfile();
  });
}
