import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './process.js';

export interface RedisServerProcess {
  readonly port: number;
  readonly uri: string;
  readonly child: ChildProcess;
  /** SIGSTOP: the server keeps its connections open but answers nothing. */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  /** Resumes (if paused) and kills the server; safe to call twice. */
  stop(): Promise<void>;
}

/** A throw-away `redis-server` (from PATH) on a free loopback port, no persistence. */
export async function startRedisServer(options: { port?: number } = {}): Promise<RedisServerProcess> {
  const port = options.port ?? (await freePort());
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (c: Buffer) => (text += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (text += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${text}`)), 10_000);
      child.stdout?.on('data', () => {
        if (/ready to accept connections/i.test(text)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}:\n${text}`));
      });
    });
  } catch (error) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw error;
  }
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    port,
    uri: `redis://127.0.0.1:${port}`,
    child,
    pause: () => {
      if (alive()) child.kill('SIGSTOP');
    },
    resume: () => {
      if (alive()) child.kill('SIGCONT');
    },
    async stop() {
      if (!alive()) return;
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited;
    },
  };
}
