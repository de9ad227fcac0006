import { createClient } from '@keyv/redis';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

const plainClient = (url: string) => createClient({ url, socket: { connectTimeout: 1_000, reconnectStrategy: false } });
export type RawClient = ReturnType<typeof plainClient>;

/** A plain client for assertions, or undefined when Redis cannot be reached within a second. */
export async function rawClient(url = REDIS_URL): Promise<RawClient | undefined> {
  const client = plainClient(url);
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return client;
  } catch {
    if (client.isOpen) client.destroy();
    return undefined;
  }
}

export async function redisAvailable(name: string): Promise<boolean> {
  const client = await rawClient();
  if (client !== undefined) {
    client.destroy();
    return true;
  }
  if (process.env['MCPGATE_REQUIRE_REDIS'] === '1') throw new Error(`${name}: Redis at ${REDIS_URL} is unreachable and MCPGATE_REQUIRE_REDIS=1`);
  console.warn(`\n!!! ${name}: SKIPPED — Redis at ${REDIS_URL} is unreachable (set REDIS_URL, or MCPGATE_REQUIRE_REDIS=1 to fail) !!!\n`);
  return false;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function startRedisServer(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    const client = await rawClient(`redis://127.0.0.1:${port}`);
    if (client !== undefined) {
      client.destroy();
      return child;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error('redis-server did not start');
}
