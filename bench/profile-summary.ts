/**
 * Summarises V8 profiles of the bridge taken by the benchmark (`npm run bench -- --cpu-prof DIR`
 * or `--alloc-prof DIR`, see bench/bridge-probe.mjs):
 *   - `.cpuprofile`: where CPU time went;
 *   - `.heapprofile`: sampled allocations (objects collected since included), i.e. who allocates.
 * Both are charged to coarse components, to the innermost frame of the project's own code
 * (file:function), to files/packages and to functions.
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

interface CpuProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

interface HeapProfileNode {
  id: number;
  callFrame: CallFrame;
  selfSize: number;
  children: HeapProfileNode[];
}

interface HeapProfile {
  head: HeapProfileNode;
  samples?: { size: number; nodeId: number }[];
}

interface Ranked {
  name: string;
  value: number;
}

export interface ProfileSummary {
  file: string;
  kind: 'cpu' | 'alloc';
  /** `ms` for CPU profiles, `MB` for allocation profiles. */
  unit: string;
  total: number;
  /** CPU: time not idle (GC included). Allocations: sampled bytes. */
  busy: number;
  byComponent: Ranked[];
  /** Each sample charged to the innermost frame of the project's own code (bot/, adapters/, storage/, …). */
  byProjectFrame: Ranked[];
  selfByFile: Ranked[];
  selfByFunction: Ranked[];
  inclusiveByFunction: Ranked[];
}

/**
 * Coarse components, checked in this order against the files on a sample's stack (leaf first).
 * Promise continuations have no async stack here, so fetch internals running on their own are
 * matched by the leaf's file: in the bridge only @slack/web-api uses fetch (axios uses node:http).
 */
const COMPONENTS: [string, (files: string[], leaf: string) => boolean][] = [
  ['GC', (_files, leaf) => leaf === '(garbage collector)'],
  ['Slack Web API calls (@slack/web-api on fetch)', (files) => files.some((f) => f.startsWith('node_modules/@slack/web-api'))],
  ['fetch/undici internals (Slack Web API client)', (_files, leaf) => /^(node:internal\/deps|node:internal\/webstreams|wasm:)/.test(leaf)],
  ['Slack events in (@slack/bolt receiver)', (files) => files.some((f) => f.startsWith('node_modules/@slack/bolt'))],
  ['Graph API sends (axios)', (files) => files.some((f) => f.startsWith('node_modules/axios') || f.startsWith('node_modules/follow-redirects'))],
  ['store: journal I/O', (files) => files.some((f) => /^storage\/embedded\/(journal|inbox)\.ts/.test(f))],
  ['store: indexes and copies', (files) => files.some((f) => f.startsWith('storage/'))],
  ['WhatsApp webhook receive/parse', (files) => files.some((f) => f.startsWith('adapters/whatsapp/'))],
  ['Slack adapter (own code)', (files) => files.some((f) => f.startsWith('adapters/slack/'))],
  ['bridge core (bot/)', (files) => files.some((f) => f.startsWith('bot/'))],
  ['logging (pino)', (files) => files.some((f) => f.startsWith('node_modules/pino') || f.startsWith('node_modules/sonic-boom'))],
  ['HTTP server, sockets, streams (node core)', (_files, leaf) => /^(node:(_http|net|internal\/streams|events|stream)|writev$|writeBuffer$|write\w*String$)/.test(leaf)],
];

const REPO = fileURLToPath(new URL('..', import.meta.url));

function isProjectFile(label: string): boolean {
  return !/^(node_modules\/|node:|\(|\/|wasm:|bench\/)/.test(label);
}

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

/** Line numbers are left out for the project's files: tsx compiles them, so V8's lines are not the source's. */
function functionLabel(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  const file = fileLabel(frame.url);
  return isProjectFile(file) ? `${file}:${name}` : `${file}:${name}:${frame.lineNumber + 1}`;
}

/** Charges each weighted leaf node (and its stack) to the summary's tables. */
function attribute(
  frames: Map<number, CallFrame>,
  parent: Map<number, number>,
  weights: Iterable<[number, number]>,
  top: number,
  scale: (raw: number) => number,
): Omit<ProfileSummary, 'file' | 'kind' | 'unit'> {
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const selfFile = new Map<string, number>();
  const byProjectFrame = new Map<string, number>();
  const byComponent = new Map<string, number>();
  let total = 0;
  let idle = 0;
  const add = (map: Map<string, number>, key: string, value: number): void => {
    map.set(key, (map.get(key) ?? 0) + value);
  };
  for (const [id, weight] of weights) {
    total += weight;
    const leafFrame = frames.get(id);
    if (!leafFrame) continue;
    if (leafFrame.functionName === '(idle)') {
      idle += weight;
      continue;
    }
    add(self, functionLabel(leafFrame), weight);
    add(selfFile, leafFrame.url ? fileLabel(leafFrame.url) : leafFrame.functionName || '(native/VM)', weight);
    const seen = new Set<string>();
    const files: string[] = [];
    let projectFrame: string | undefined;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = frames.get(at)!;
      if (frame.functionName === '(root)') break;
      const file = frame.url ? fileLabel(frame.url) : frame.functionName;
      files.push(file);
      if (frame.url && isProjectFile(file)) {
        // An arrow function is named after the nearest named function of the same file around it.
        if (projectFrame === undefined) projectFrame = frame.functionName ? `${file}:${frame.functionName}` : `${file}:(anonymous)`;
        else if (projectFrame === `${file}:(anonymous)` && frame.functionName) projectFrame = `${file}:(anonymous in ${frame.functionName})`;
      }
      const label = functionLabel(frame);
      if (seen.has(label)) continue;
      seen.add(label);
      add(inclusive, label, weight);
    }
    const leaf = files[0] ?? '?';
    add(byProjectFrame, projectFrame ?? `(no project frame) ${leaf}`, weight);
    add(byComponent, COMPONENTS.find(([, matches]) => matches(files, leaf))?.[0] ?? `other: ${leaf}`, weight);
  }
  const ranked = (map: Map<string, number>): Ranked[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, value]) => ({ name, value: scale(value) }));
  return {
    total: scale(total),
    busy: scale(total - idle),
    byComponent: ranked(byComponent),
    byProjectFrame: ranked(byProjectFrame),
    selfByFile: ranked(selfFile),
    selfByFunction: ranked(self),
    inclusiveByFunction: ranked(inclusive),
  };
}

export function summariseCpu(profile: CpuProfile, file: string, top = 25): ProfileSummary {
  const frames = new Map<number, CallFrame>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    frames.set(node.id, node.callFrame);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const weights = profile.samples.map((id, index): [number, number] => [id, profile.timeDeltas[index] ?? 0]);
  return { file, kind: 'cpu', unit: 'ms', ...attribute(frames, parent, weights, top, (us) => Math.round(us / 100) / 10) };
}

export function summariseAlloc(profile: HeapProfile, file: string, top = 25): ProfileSummary {
  const frames = new Map<number, CallFrame>();
  const parent = new Map<number, number>();
  const weights: [number, number][] = [];
  const visit = (node: HeapProfileNode, parentId: number | undefined): void => {
    frames.set(node.id, node.callFrame);
    if (parentId !== undefined) parent.set(node.id, parentId);
    if (node.selfSize > 0) weights.push([node.id, node.selfSize]);
    for (const child of node.children) visit(child, node.id);
  };
  visit(profile.head, undefined);
  return { file, kind: 'alloc', unit: 'MB', ...attribute(frames, parent, weights, top, (bytes) => Math.round(bytes / 1e5) / 10) };
}

export async function profileFiles(target: string): Promise<string[]> {
  if ((await stat(target)).isFile()) return [target];
  return (await readdir(target))
    .filter((name) => name.endsWith('.cpuprofile') || name.endsWith('.heapprofile'))
    .sort()
    .map((name) => path.join(target, name));
}

/** Reads and summarises one profile file; undefined for an (almost) empty one. */
export async function summariseFile(file: string, top = 25): Promise<ProfileSummary | undefined> {
  const json = JSON.parse(await readFile(file, 'utf8')) as unknown;
  const summary = file.endsWith('.heapprofile') ? summariseAlloc(json as HeapProfile, file, top) : summariseCpu(json as CpuProfile, file, top);
  return summary.busy > (summary.kind === 'cpu' ? 50 : 0.1) ? summary : undefined;
}

export function formatSummary(summary: ProfileSummary): string {
  const pct = (value: number): string => `${((100 * value) / Math.max(1e-9, summary.busy)).toFixed(1).padStart(5)} %`;
  const lines = [
    summary.kind === 'cpu'
      ? `${path.basename(summary.file)}: CPU, ${summary.busy} ms busy of ${summary.total} ms profiled`
      : `${path.basename(summary.file)}: allocations, ${summary.busy} MB sampled (collected objects included)`,
  ];
  const section = (title: string, rows: Ranked[]): void => {
    lines.push(`  ${title}`);
    for (const row of rows) lines.push(`    ${String(row.value).padStart(9)} ${summary.unit} ${pct(row.value)}  ${row.name}`);
  };
  section('by component', summary.byComponent);
  section('by innermost project frame (file:function)', summary.byProjectFrame);
  section('self by file/package', summary.selfByFile);
  section('self by function', summary.selfByFunction);
  section('inclusive by function', summary.inclusiveByFunction);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
  const target = positionals[0];
  if (!target) throw new Error('usage: profile-summary.ts DIR_OR_FILE [--top N]');
  for (const file of await profileFiles(target)) {
    const summary = await summariseFile(file, Number(values.top));
    if (summary) console.log(formatSummary(summary));
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
