/**
 * Servers under test as their own Node processes, started the way users start them (`node <script>`,
 * configured by environment variables), plus the CPU time each process used, read from /proc.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { sleep } from './stats.js';

/** The repository root (bench/dist/lib/ → ../../../). */
export const REPO_ROOT = new URL('../../../', import.meta.url);
export const repoPath = (relative: string): string => new URL(relative, REPO_ROOT).pathname;

/** A free loopback TCP port (bound, then released: the server process binds it again right after). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User + system CPU time of a process in microseconds (Linux /proc), or undefined where unreadable. */
export function processCpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the parenthesised command name: state is field 3; utime 14, stime 15 (1-based)
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks / ticksPerSecond()) * 1e6 : undefined;
  } catch {
    return undefined;
  }
}

export interface ServerSpec {
  /** Short label used in errors and profile directory names. */
  readonly name: string;
  /** Absolute path of the script `node` runs. */
  readonly script: string;
  /** Environment added to the bench process's own. */
  readonly env: Record<string, string>;
  /** The MCP endpoint, probed until it answers. */
  readonly url: string;
  /** When set, the process runs with `--cpu-prof --cpu-prof-dir=<cpuProfDir>/<name>` (written at exit). */
  readonly cpuProfDir?: string | undefined;
}

export interface ServerProcess {
  readonly name: string;
  readonly url: string;
  readonly pid: number | undefined;
  /** The command line, as a user would type it (env assignments first). */
  readonly command: string;
  /** CPU time used so far, µs (undefined where /proc is not available). */
  cpuMicros(): number | undefined;
  /** The last lines the process printed. */
  output(): string;
  /** SIGTERM, then SIGKILL after 10 s. */
  close(): Promise<void>;
}

/** Starts `node <script>` and resolves once `url` answers an HTTP request (any status but 503). */
export async function startServerProcess(spec: ServerSpec, readyTimeoutMs = 60_000): Promise<ServerProcess> {
  if (!existsSync(spec.script)) throw new Error(`${spec.script} does not exist`);
  const flags: string[] = [];
  if (spec.cpuProfDir !== undefined) {
    const dir = `${spec.cpuProfDir}/${spec.name.replace(/[^\w.-]+/g, '_')}`;
    mkdirSync(dir, { recursive: true });
    flags.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
  }
  const child: ChildProcess = spawn(process.execPath, [...flags, spec.script], {
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    }),
  );
  const envText = Object.entries(spec.env)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const relScript = spec.script.startsWith(repoPath('')) ? spec.script.slice(repoPath('').length) : spec.script;
  const proc: ServerProcess = {
    name: spec.name,
    url: spec.url,
    pid: child.pid,
    command: `${envText} node ${[...flags, relScript].join(' ')}`.trim(),
    cpuMicros: () => processCpuMicros(child.pid),
    output: () => tail.trim(),
    async close() {
      if (exited !== undefined) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(killer);
    },
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exited !== undefined) {
      throw new Error(`${spec.name} exited (${exited.code ?? exited.signal}) before answering: ${tail.trim().split('\n').slice(-5).join(' | ')}`);
    }
    if (await answers(spec.url)) return proc;
    if (Date.now() > deadline) {
      await proc.close();
      throw new Error(`${spec.name} did not answer ${spec.url} within ${readyTimeoutMs / 1000} s: ${tail.trim().split('\n').slice(-5).join(' | ')}`);
    }
    await sleep(100);
  }
}

/**
 * Whether `url` answers an HTTP request with anything but 503: example 1 listens before its handler is
 * attached (no answer), example 2 answers 503 + Retry-After while it starts.
 */
async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { method: 'GET', headers: { accept: 'text/event-stream' }, signal: AbortSignal.timeout(500) });
    await res.body?.cancel();
    return res.status !== 503;
  } catch {
    return false;
  }
}
