/**
 * Loads the shared webhook corpus (/work/shared/corpus, see its README.md): bodies recorded by other
 * public projects, for replaying through Puente's parsers. Shared by every platform's corpus test.
 *
 * The files are kept byte-for-byte as their projects publish them, so four layouts exist:
 *  - one body per file;
 *  - an object keyed by case name (pywa): each value is a body;
 *  - a recorded fixture object (vercel-chat `replay/`): object-valued keys are bodies, string-valued
 *    keys describe the recording, `…ModalContext` keys are the recorder's own state;
 *  - a markdown log (vercel-chat `sample-messages.md`): WhatsApp bodies in fenced ```json blocks,
 *    Slack/Teams bodies as JavaScript string literals `body: '…'` (or backticks) inside log blocks.
 *
 * Bodies taken from inside a bigger JSON file are the exact source text of that value (not a
 * re-serialisation), so escapes such as `\ud83d` or `\/` survive as they were recorded.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export type CorpusPlatform = 'whatsapp' | 'slack' | 'teams';

export interface CorpusCase {
  platform: CorpusPlatform;
  /** The upstream project folder (`pywa`, `vercel-chat`, …). */
  project: string;
  /** Unique within the platform: path inside the project, plus `#case` for multi-body files. */
  name: string;
  /** Absolute path of the file the body came from. */
  file: string;
  /** Exact raw text of one body (may be invalid JSON: such files are cases too). */
  body: string;
}

/** Files that describe the corpus rather than hold bodies. */
const NOT_BODIES = new Set(['LICENSE', 'PROVENANCE.md', 'README.md']);

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `PUENTE_CORPUS_DIR`, else the `shared/corpus` folder next to the repository. */
export function corpusRoot(): string {
  return process.env.PUENTE_CORPUS_DIR ?? resolve(REPO_ROOT, '..', 'shared', 'corpus');
}

/** Every body for one platform, in a stable order; `[]` when the corpus folder is absent. */
export function loadCorpus(platform: CorpusPlatform): CorpusCase[] {
  const platformDir = join(corpusRoot(), platform);
  if (!existsSync(platformDir)) return [];
  const cases: CorpusCase[] = [];
  for (const file of listFiles(platformDir)) {
    if (NOT_BODIES.has(basename(file))) continue;
    const [project = '', ...rest] = relative(platformDir, file).split(sep);
    const pathInProject = rest.join('/');
    const make = (suffix: string | undefined, body: string): CorpusCase => ({
      platform,
      project,
      name: suffix === undefined ? `${project}/${pathInProject}` : `${project}/${pathInProject}#${suffix}`,
      file,
      body,
    });
    const text = readFileSync(file, 'utf8');
    for (const { suffix, body } of bodiesOf(file, project, pathInProject, text)) cases.push(make(suffix, body));
  }
  return cases;
}

interface Extracted {
  suffix?: string;
  body: string;
}

/** Picks the layout from where the file sits, as the corpus README's table lays it out. */
function bodiesOf(file: string, project: string, pathInProject: string, text: string): Extracted[] {
  if (file.endsWith('.md')) return markdownLogBodies(text);
  if (!file.endsWith('.json')) return [];
  const isReplay = pathInProject.split('/').includes('replay');
  if (project !== 'pywa' && !isReplay) return [{ body: text }];

  const members = topLevelMembers(text);
  // A keyed file that is not a JSON object is still a case: the parser must reject it.
  if (members === undefined) return [{ body: text }];
  return members
    .filter(({ key, raw }) => {
      if (!raw.startsWith('{')) return false; // recording metadata: botName, phoneNumberId, …
      return !(isReplay && /modalcontext$/i.test(key)); // the recorder's state, not a platform body
    })
    .map(({ key, raw }) => ({ suffix: key, body: raw }));
}

// ---------------------------------------------------------------------------------------------
// Markdown logs (vercel-chat sample-messages.md)
// ---------------------------------------------------------------------------------------------

function markdownLogBodies(text: string): Extracted[] {
  const out: Extracted[] = [];
  const used = new Set<string>();
  const name = (label: string): string => {
    let candidate = label;
    for (let n = 2; used.has(candidate); n++) candidate = `${label} (${n})`;
    used.add(candidate);
    return candidate;
  };

  let heading: string | undefined;
  let fence: { lang: string; lines: string[] } | undefined;
  let literalIndex = 0;
  for (const line of text.split(/\r?\n/)) {
    if (fence === undefined) {
      const open = /^```(\w*)\s*$/.exec(line);
      if (open) fence = { lang: open[1] ?? '', lines: [] };
      else if (/^##\s+/.test(line)) heading = line.replace(/^##\s+/, '').trim();
      continue;
    }
    if (!/^```\s*$/.test(line)) {
      fence.lines.push(line);
      continue;
    }
    // Closing fence.
    const content = fence.lines.join('\n');
    if (fence.lang === 'json') {
      // WhatsApp: the block is the body. A request line (the GET verification) is not a body.
      if (!/^\s*(GET|POST)\s/.test(content)) out.push({ suffix: name(heading ?? `block ${out.length + 1}`), body: content });
    } else {
      // Slack / Teams: `body: '…'` literals printed by the recorder's logger.
      for (const blockLine of fence.lines) {
        const literal = /^\s*body:\s*(['`])(.*)\1\s*,?\s*$/.exec(blockLine);
        if (literal) out.push({ suffix: name(`body ${++literalIndex}`), body: unescapeJsLiteral(literal[2] ?? '') });
      }
    }
    fence = undefined;
  }
  return out;
}

/**
 * Undoes a JavaScript string literal's escapes in one pass, so `\\n` (an escaped backslash followed
 * by `n`, i.e. JSON's newline escape) becomes `\n` in the JSON text and not a real newline.
 */
function unescapeJsLiteral(s: string): string {
  const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v', '0': '\0' };
  return s.replace(/\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[\s\S])/g, (_, esc: string) => {
    if (esc.startsWith('u{')) return String.fromCodePoint(parseInt(esc.slice(2, -1), 16));
    if (esc.length > 1 && (esc[0] === 'u' || esc[0] === 'x')) return String.fromCharCode(parseInt(esc.slice(1), 16));
    return simple[esc] ?? esc; // \\ → \, \' → ', \` → `, \" → "
  });
}

// ---------------------------------------------------------------------------------------------
// Exact source text of a top-level object's members
// ---------------------------------------------------------------------------------------------

/**
 * `[{ key, raw }]` for each member of a top-level JSON object, `raw` being the value's exact source
 * text; undefined when the text is not a well-formed JSON object. Validated with JSON.parse first,
 * so the scanner below only has to find boundaries, not diagnose errors.
 */
function topLevelMembers(text: string): { key: string; raw: string }[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;

  const members: { key: string; raw: string }[] = [];
  let i = skipSpace(text, 0) + 1; // past '{'
  for (;;) {
    i = skipSpace(text, i);
    if (text[i] === '}') break;
    const keyEnd = endOfString(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipSpace(text, keyEnd) + 1; // past ':'
    const valueStart = skipSpace(text, i);
    const valueEnd = endOfValue(text, valueStart);
    members.push({ key, raw: text.slice(valueStart, valueEnd) });
    i = skipSpace(text, valueEnd);
    if (text[i] === ',') i++;
  }
  return members;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i] ?? '')) i++;
  return i;
}

/** `i` at an opening quote → index just past the closing quote. */
function endOfString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === '"') return j + 1;
  }
  return text.length;
}

/** `i` at the first character of a value → index just past its end. */
function endOfValue(text: string, i: number): number {
  const first = text[i];
  if (first === '"') return endOfString(text, i);
  if (first !== '{' && first !== '[') {
    let j = i;
    while (j < text.length && !/[\s,}\]]/.test(text[j] ?? '')) j++;
    return j;
  }
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const c = text[j];
    if (c === '"') j = endOfString(text, j) - 1;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return j + 1;
    }
  }
  return text.length;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const full = join(dir, entry);
      return statSync(full).isDirectory() ? listFiles(full) : [full];
    });
}
