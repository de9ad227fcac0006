import { createClient } from '@redis/client';
import { startRedisServer, type RedisServerProcess } from './redis-server.js';

export interface TestRedis {
  readonly uri: string;
  /** Where it came from, for messages. */
  readonly source: 'REDIS_URL' | '127.0.0.1:6379' | 'redis-server';
  /** Deletes every key starting with `prefix` (never FLUSHDB: the database may be shared). */
  deletePrefix(prefix: string): Promise<void>;
  /** Stops the throw-away server, if one was started. */
  stop(): Promise<void>;
}

async function reachable(uri: string): Promise<boolean> {
  const client = createClient({ url: uri, socket: { connectTimeout: 1_000, reconnectStrategy: false } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    if (client.isOpen) client.destroy();
  }
}

async function deletePrefix(uri: string, prefix: string): Promise<void> {
  const client = createClient({ url: uri, socket: { connectTimeout: 1_000, reconnectStrategy: false } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const pattern = `${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
    for await (const batch of client.scanIterator({ MATCH: pattern, COUNT: 1000 })) {
      const keys = Array.isArray(batch) ? batch : [batch];
      if (keys.length > 0) await client.del(keys);
    }
  } finally {
    if (client.isOpen) await client.quit().catch(() => undefined);
  }
}

/**
 * A real Redis for a test, as the architecture brief says: `REDIS_URL` when set, else 127.0.0.1:6379, else a
 * throw-away `redis-server` from PATH on a free port. Undefined (the caller skips, loudly) when there is none,
 * unless `MCPGATE_REQUIRE_REDIS=1`, which makes that an error.
 */
export async function redisForTests(name: string): Promise<TestRedis | undefined> {
  const configured = process.env['REDIS_URL'];
  const uri = configured ?? 'redis://127.0.0.1:6379';
  if (await reachable(uri)) {
    return { uri, source: configured !== undefined ? 'REDIS_URL' : '127.0.0.1:6379', deletePrefix: (prefix) => deletePrefix(uri, prefix), stop: async () => undefined };
  }
  let server: RedisServerProcess | undefined;
  if (configured === undefined) server = await startRedisServer().catch(() => undefined);
  if (server !== undefined) {
    const started = server;
    return { uri: started.uri, source: 'redis-server', deletePrefix: (prefix) => deletePrefix(started.uri, prefix), stop: () => started.stop() };
  }
  const reason = `Redis at ${uri} is unreachable${configured === undefined ? ' and no redis-server could be started' : ''}`;
  if (process.env['MCPGATE_REQUIRE_REDIS'] === '1') throw new Error(`${name}: ${reason} and MCPGATE_REQUIRE_REDIS=1`);
  console.warn(`\n!!! ${name}: SKIPPED — ${reason} (set REDIS_URL, or MCPGATE_REQUIRE_REDIS=1 to fail) !!!\n`);
  return undefined;
}
