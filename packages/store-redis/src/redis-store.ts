import KeyvRedis from '@keyv/redis';
import type { JsonValue, Store } from '@mcpgate/core';
import { connect } from './lib/client.js';
import { withDeadline } from '@mcpgate/core/internal';
import { RedisTimeoutError } from './errors.js';
import { resolveOptions } from './options.js';
import type { RedisStoreOptions } from './options.js';

const DELETE_IF_EQUALS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

interface AtomicCommands {
  set(key: string, value: string, options: { condition: 'NX'; expiration: { type: 'PX'; value: number } }): Promise<string | null>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

const ttlOf = (ttlMs: number | undefined, name: string): number | undefined => {
  if (ttlMs === undefined) return undefined;
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new TypeError(`redisStore: ${name} ttlMs must be a positive number of milliseconds`);
  return Math.ceil(ttlMs);
};

/**
 * A {@link Store} on Redis (`@keyv/redis` / `@redis/client`): TTLs in milliseconds (`PX`), `add` as
 * `SET key value NX PX ttl`, `deleteIfEquals` as a Lua compare-and-delete. Every call rejects within
 * `commandTimeoutMs` when Redis is down or stalled, and works again once Redis is back.
 *
 * @example
 * ```ts
 * import { createMcpAuth } from '@mcpgate/core';
 * import { redisStore } from '@mcpgate/store-redis';
 *
 * const auth = createMcpAuth({ ..., store: redisStore(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'), encryptionKey });
 * ```
 */
export function redisStore(uriOrOptions: string | RedisStoreOptions = {}): Store {
  const options = resolveOptions(uriOrOptions);
  const connection = connect(options);
  const adapter = new KeyvRedis<string>(connection.client, {
    throwOnErrors: true,
    throwOnConnectError: true,
    connectionTimeout: options.connectTimeoutMs,
    useUnlink: false,
  });
  adapter.on('error', () => {});
  const atomic = connection.client as unknown as AtomicCommands;
  const prefixed = (key: string): string => options.keyPrefix + key;
  let closed = false;
  const call = <T>(operation: string, run: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new Error('redis store: closed'));
    return withDeadline(
      options.commandTimeoutMs,
      async () => {
        await connection.settled();
        return run();
      },
      () => new RedisTimeoutError(operation, options.commandTimeoutMs),
    );
  };

  return {
    kind: 'redis',
    persistent: true,
    get<T extends JsonValue>(key: string) {
      return call('get', async () => {
        const raw = await adapter.get<string>(prefixed(key));
        return raw === undefined ? undefined : (JSON.parse(raw) as T);
      });
    },
    async set(key, value, ttlMs) {
      const ttl = ttlOf(ttlMs, 'set');
      await call('set', () => adapter.set(prefixed(key), JSON.stringify(value), ttl));
    },
    delete(key) {
      return call('delete', () => adapter.delete(prefixed(key)));
    },
    async add(key, value, ttlMs) {
      const ttl = ttlOf(ttlMs ?? Number.NaN, 'add') as number;
      const reply = await call('add', () =>
        atomic.set(prefixed(key), JSON.stringify(value), { condition: 'NX', expiration: { type: 'PX', value: ttl } }),
      );
      return reply === 'OK';
    },
    async deleteIfEquals(key, expected) {
      const removed = await call('deleteIfEquals', () =>
        atomic.eval(DELETE_IF_EQUALS, { keys: [prefixed(key)], arguments: [JSON.stringify(expected)] }),
      );
      return removed === 1;
    },
    async close() {
      if (closed) return;
      closed = true;
      await connection.close();
    },
  };
}
