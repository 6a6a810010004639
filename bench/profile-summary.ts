/**
 * Summarises V8 CPU profiles (`node --cpu-prof`, e.g. from `npm run bench -- --cpu-prof DIR`):
 * where the bridge spent its CPU, by function (self and inclusive time) and by file or package.
 *
 *   node --import tsx bench/profile-summary.ts DIR_OR_FILE [--top 25]
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Time not idle, GC included. */
  busyMs: number;
  selfByFunction: { name: string; ms: number }[];
  inclusiveByFunction: { name: string; ms: number }[];
  selfByFile: { name: string; ms: number }[];
}

const REPO = fileURLToPath(new URL('..', import.meta.url));

/** `bot/bridge.ts`, `node_modules/@slack/bolt`, `node:internal/…`, or `(program)` style names. */
function fileLabel(url: string): string {
  if (!url) return '(native/VM)';
  let file = url.startsWith('file://') ? fileURLToPath(url.split('?')[0]!) : url;
  if (file.startsWith('node:')) return file.replace(/^node:internal\/(\w+).*/, 'node:internal/$1');
  const modules = file.lastIndexOf('node_modules/');
  if (modules !== -1) {
    const rest = file.slice(modules + 'node_modules/'.length).split('/');
    return `node_modules/${rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (file.startsWith(REPO)) file = file.slice(REPO.length);
  return file;
}

function functionLabel(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  return `${fileLabel(frame.url)}:${name}:${frame.lineNumber + 1}`;
}

export function summarise(profile: CpuProfile, file: string, top = 25): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const selfFile = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  const add = (map: Map<string, number>, key: string, us: number): void => {
    map.set(key, (map.get(key) ?? 0) + us);
  };
  for (let i = 0; i < profile.samples.length; i++) {
    const us = profile.timeDeltas[i] ?? 0;
    totalUs += us;
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    if (node.callFrame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    add(self, functionLabel(node.callFrame), us);
    add(selfFile, node.callFrame.url ? fileLabel(node.callFrame.url) : node.callFrame.functionName || '(native/VM)', us);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      if (frame.functionName === '(root)') break;
      const label = functionLabel(frame);
      if (seen.has(label)) continue;
      seen.add(label);
      add(inclusive, label, us);
    }
  }
  const ranked = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10 }));
  return {
    file,
    totalMs: Math.round(totalUs / 1000),
    busyMs: Math.round((totalUs - idleUs) / 1000),
    selfByFunction: ranked(self),
    inclusiveByFunction: ranked(inclusive),
    selfByFile: ranked(selfFile),
  };
}

export async function profileFiles(target: string): Promise<string[]> {
  if ((await stat(target)).isFile()) return [target];
  return (await readdir(target)).filter((name) => name.endsWith('.cpuprofile')).map((name) => path.join(target, name));
}

export function formatSummary(summary: ProfileSummary): string {
  const pct = (ms: number): string => `${((100 * ms) / Math.max(1, summary.busyMs)).toFixed(1).padStart(5)} %`;
  const lines = [`${path.basename(summary.file)}: ${summary.busyMs} ms busy of ${summary.totalMs} ms profiled`];
  const section = (title: string, rows: { name: string; ms: number }[]): void => {
    lines.push(`  ${title}`);
    for (const row of rows) lines.push(`    ${String(row.ms).padStart(9)} ms ${pct(row.ms)}  ${row.name}`);
  };
  section('self time by file/package', summary.selfByFile);
  section('self time by function', summary.selfByFunction);
  section('inclusive time by function', summary.inclusiveByFunction);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
  const target = positionals[0];
  if (!target) throw new Error('usage: profile-summary.ts DIR_OR_FILE [--top N]');
  for (const file of await profileFiles(target)) {
    const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
    const summary = summarise(profile, file, Number(values.top));
    // Profiles of idle helper threads (tsx's loader) are noise.
    if (summary.busyMs < 50) continue;
    console.log(formatSummary(summary));
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
