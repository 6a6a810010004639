/**
 * Runs the real bridge process (`main.ts` through tsx, or the compiled `dist/main.js` that `npm start` runs) as a child process, for end-to-end
 * tests that need a process to kill, for benchmarks that measure it alone, and for the sandbox.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The arguments the Procfile's `web:` line gives node (`web: node --max-semi-space-size=8
 * dist/main.js` → the flags and the script), read from the file so nothing can drift from it.
 */
export async function productionNodeArgs(): Promise<string[]> {
  const procfile = await readFile(join(REPO, 'Procfile'), 'utf8');
  const web = /^web:\s*node\s+(.+)$/m.exec(procfile);
  if (!web) throw new Error('Procfile has no `web: node …` line');
  return web[1]!.trim().split(/\s+/);
}

export interface BridgeProcessOptions {
  env: Record<string, string>;
  /** YAML text for PUENTE_CONFIG, if any. */
  configYaml?: string;
  /**
   * `compiled` runs the Procfile's `web:` command (`node <flags> dist/main.js`, as `npm start` does;
   * needs `npm run build` first), so benchmarks measure what production runs; `source` (default)
   * runs `main.ts` through tsx, so tests always see the working tree without a build step.
   */
  entry?: 'source' | 'compiled';
}

export class BridgeProcess {
  private child?: ChildProcess;
  private output = '';
  readonly dataDir: string;
  readonly port: number;
  private readonly configPath?: string;

  private constructor(
    private readonly workDir: string,
    port: number,
    private readonly options: BridgeProcessOptions,
  ) {
    this.dataDir = join(workDir, 'data');
    this.port = port;
    if (options.configYaml) this.configPath = join(workDir, 'puente.yaml');
  }

  static async create(options: BridgeProcessOptions): Promise<BridgeProcess> {
    const workDir = await mkdtemp(join(tmpdir(), 'puente-e2e-'));
    const bridge = new BridgeProcess(workDir, await freePort(), options);
    if (bridge.configPath) await writeFile(bridge.configPath, options.configYaml!);
    return bridge;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The running process id (for reading its memory from /proc), if running. */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get log(): string {
    return this.output;
  }

  /** Starts the process and waits until /healthz answers 200. */
  async start(timeoutMs = 20_000): Promise<void> {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: String(this.port),
      DATA_DIR: this.dataDir,
      LOG_LEVEL: process.env.PUENTE_E2E_LOG_LEVEL ?? 'warn',
      ...(this.configPath ? { PUENTE_CONFIG: this.configPath } : {}),
      ...this.options.env,
    };
    const args = this.options.entry === 'compiled' ? await productionNodeArgs() : ['--import', 'tsx', 'main.ts'];
    const child = spawn(process.execPath, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const collect = (chunk: Buffer): void => {
      // Keep the tail only: enough to explain a failure, bounded for long runs.
      this.output = (this.output + chunk.toString()).slice(-200_000);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`bridge exited with ${child.exitCode}:\n${this.output}`);
      try {
        const response = await fetch(`${this.url}/healthz`);
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`bridge did not become healthy in ${timeoutMs} ms:\n${this.output}`);
  }

  /** SIGKILL: no shutdown code runs, as in a crash or an OOM kill. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** SIGTERM and wait for a clean exit. */
  async stop(): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    return exited;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async cleanup(): Promise<void> {
    await this.kill();
    await rm(this.workDir, { recursive: true, force: true });
  }
}
