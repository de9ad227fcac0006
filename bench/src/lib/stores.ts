/** Opening the benchmark stores: a fresh SQLite file in /tmp, Redis with a random key prefix (or skipped). */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '@mcpgate/core';
import { redisStore } from '@mcpgate/store-redis';
import { sqliteStore } from '@mcpgate/store-sqlite';

export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** Only loopback Redis: the bench never talks to other hosts. */
function loopbackRedis(uri: string): boolean {
  try {
    const host = new URL(uri).hostname;
    return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' || host === '::1';
  } catch {
    return false;
  }
}

export function tempSqlite(label: string): { store: Store; uri: string; cleanup(): void } {
  const path = join(tmpdir(), `mcpgate-bench-${process.pid}-${label}-${randomBytes(4).toString('hex')}.sqlite`);
  return {
    store: sqliteStore(`sqlite://${path}`),
    uri: `sqlite://${path}`,
    cleanup: () => {
      for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
    },
  };
}

export function redisPrefix(): string {
  return `mcpgate-bench:${randomBytes(6).toString('hex')}:`;
}

/** A redis store with `keyPrefix`, or a reason why Redis cannot be used. */
export async function openRedis(keyPrefix: string): Promise<{ store: Store } | { skipped: string }> {
  if (!loopbackRedis(REDIS_URL)) return { skipped: `REDIS_URL ${REDIS_URL} is not a loopback address` };
  const store = redisStore({ uri: REDIS_URL, keyPrefix, connectTimeoutMs: 1_000, commandTimeoutMs: 2_000, logger: { warn: () => undefined, error: () => undefined } });
  try {
    await Promise.race([
      store.set('probe', 1, 1_000),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2_000).unref()),
    ]);
    return { store };
  } catch (error) {
    await store.close().catch(() => undefined);
    return { skipped: `Redis at ${REDIS_URL} unreachable (${(error as Error).message})` };
  }
}

export function loudSkip(what: string, reason: string): string {
  const line = `SKIPPED: ${what} — ${reason}`;
  console.log(`\n${'!'.repeat(line.length)}\n${line}\n${'!'.repeat(line.length)}`);
  return line;
}
