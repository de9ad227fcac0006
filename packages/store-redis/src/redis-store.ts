import KeyvRedis from '@keyv/redis';
import type { JsonValue, Store } from '@mcpgate/core';
import { connect } from './lib/client.js';
import { inSpan, withDeadline } from '@mcpgate/core/internal';
import type { Attributes } from '@opentelemetry/api';
import { RedisTimeoutError } from './errors.js';
import { resolveOptions } from './options.js';
import type { RedisStoreOptions } from './options.js';

const DELETE_IF_EQUALS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
/** Compare-and-set: replaces the value (with a new `PX` expiry) only while the key holds exactly ARGV[1]. */
const SET_IF_EQUALS = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end return 0`;

/** The Redis command each store method sends: the span name and `db.operation.name`. */
const COMMAND = { get: 'GET', set: 'SET', delete: 'DEL', add: 'SET', deleteIfEquals: 'EVAL', setIfEquals: 'EVAL' } as const;
type Operation = keyof typeof COMMAND;

/** Where the store's own client connects (`server.address`, `server.port`, `db.namespace`); nothing for a client you gave it. */
function serverAttributes(uri: string, ownClient: boolean): Attributes {
  if (!ownClient || !URL.canParse(uri)) return {};
  const url = new URL(uri);
  const database = url.pathname.replace(/^\//, '');
  return {
    'server.address': url.hostname.replace(/^\[(.*)\]$/, '$1'),
    'server.port': url.port === '' ? 6379 : Number(url.port),
    ...(/^\d+$/.test(database) ? { 'db.namespace': database } : {}),
  };
}

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
 * `SET key value NX PX ttl`, `deleteIfEquals` and `setIfEquals` as Lua compare-and-delete and
 * compare-and-set. Every call rejects within `commandTimeoutMs` when Redis is down or stalled, and works
 * again once Redis is back. Each call is an OpenTelemetry span named after its command (`GET`, `SET`,
 * `DEL`, `EVAL`), a child of the active span, with `db.system.name` `redis` and `db.operation.name`;
 * never keys or values.
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
  const server = serverAttributes(options.uri, options.client === undefined);
  const call = <T>(operation: Operation, run: () => Promise<T>): Promise<T> => {
    const attributes: Attributes = { 'db.system.name': 'redis', 'db.operation.name': COMMAND[operation], 'mcpgate.store.operation': operation, ...server };
    return inSpan(COMMAND[operation], { attributes }, () => {
      if (closed) return Promise.reject(new Error('redis store: closed'));
      return withDeadline(
        options.commandTimeoutMs,
        async () => {
          await connection.settled();
          return run();
        },
        () => new RedisTimeoutError(operation, options.commandTimeoutMs),
      );
    });
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
    async setIfEquals(key, expected, value, ttlMs) {
      const ttl = ttlOf(ttlMs ?? Number.NaN, 'setIfEquals') as number;
      const replaced = await call('setIfEquals', () =>
        atomic.eval(SET_IF_EQUALS, { keys: [prefixed(key)], arguments: [JSON.stringify(expected), JSON.stringify(value), String(ttl)] }),
      );
      return replaced === 1;
    },
    async close() {
      if (closed) return;
      closed = true;
      await connection.close();
    },
  };
}
