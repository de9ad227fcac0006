import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, type ExampleProcess } from './process.js';

const MAIN_V2 = fileURLToPath(new URL('../../examples/mcp-server-v2/dist/main.js', import.meta.url));

/**
 * Runs the SDK 2.x example server (`examples/mcp-server-v2/dist/main.js`, what `npm run start:v2` runs) as a
 * child process with the given environment, and waits until it listens: `startExampleProcess` for the v2 example.
 */
export async function startExampleV2Process(env: Record<string, string>, options: { port?: number; timeoutMs?: number } = {}): Promise<ExampleProcess> {
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, [MAIN_V2], {
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (c: Buffer) => (text += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (text += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`example v2 server did not start in time:\n${text}`)), options.timeoutMs ?? 20_000);
    const check = () => {
      if (text.includes('listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`example v2 server exited with ${code}:\n${text}`));
    });
  });
  return {
    child,
    port,
    mcpUrl: `http://127.0.0.1:${port}/mcp`,
    output: () => text,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
