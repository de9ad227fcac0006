import type { RedisClientConnectionType } from '@keyv/redis';
import type { Logger } from '@mcpgate/core';
import { assertKnownOptions, loggerOption, numberOption } from '@mcpgate/core/internal';

/**
 * Options of {@link redisStore}. Give `uri` or `client`, not both; neither means `redis://127.0.0.1:6379`.
 * Unknown keys throw a `TypeError`.
 */
export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` for TLS. Default `redis://127.0.0.1:6379`. */
  readonly uri?: string;
  /**
   * A `@redis/client` client (or cluster / sentinel) you already built; connected if it is not open yet,
   * and left open by `close()`. Give it `disableOfflineQueue: true` so calls fail fast while it reconnects.
   */
  readonly client?: RedisClientConnectionType;
  /**
   * Prepended to every key. Default none: keys from mcpgate already start with `mcpgate:v1:`; set one to
   * keep several deployments apart on one Redis database.
   */
  readonly keyPrefix?: string;
  /** Most time a connection attempt may take, and a call waits for the first connection, in milliseconds. Default 2,000. */
  readonly connectTimeoutMs?: number;
  /** Most time one call may take before it rejects, in milliseconds. Default 2,000. */
  readonly commandTimeoutMs?: number;
  /** Longest pause between reconnection attempts, in milliseconds (backoff from 100 ms). Default 2,000. */
  readonly maxReconnectDelayMs?: number;
  /** Receives connection errors, once per outage, as one line without credentials. Default `console`. */
  readonly logger?: Logger;
}

export interface ResolvedRedisOptions {
  readonly uri: string;
  readonly client: RedisClientConnectionType | undefined;
  readonly keyPrefix: string;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly maxReconnectDelayMs: number;
  readonly logger: Logger;
}

const KNOWN_OPTIONS = ['uri', 'client', 'keyPrefix', 'connectTimeoutMs', 'commandTimeoutMs', 'maxReconnectDelayMs', 'logger'] as const satisfies ReadonlyArray<
  keyof RedisStoreOptions
>;

export function resolveOptions(uriOrOptions: string | RedisStoreOptions): ResolvedRedisOptions {
  const options: RedisStoreOptions = typeof uriOrOptions === 'string' ? { uri: uriOrOptions } : uriOrOptions ?? {};
  assertKnownOptions(options, KNOWN_OPTIONS, 'redisStore');
  if (options.uri !== undefined && options.client !== undefined) throw new TypeError('redisStore: give uri or client, not both');
  const uri = options.uri ?? 'redis://127.0.0.1:6379';
  if (typeof uri !== 'string' || !/^rediss?:\/\/[^/]/.test(uri)) {
    throw new TypeError('redisStore: uri must look like redis://host:port[/db]');
  }
  if (options.client !== undefined && typeof (options.client as { connect?: unknown }).connect !== 'function') {
    throw new TypeError('redisStore: client must be a @redis/client client, cluster or sentinel');
  }
  const keyPrefix = options.keyPrefix ?? '';
  if (typeof keyPrefix !== 'string') throw new TypeError('redisStore: keyPrefix must be a string');
  const milliseconds = { sign: 'positive', integer: true, unit: 'milliseconds' } as const;
  const connectTimeoutMs = numberOption(options.connectTimeoutMs, 'redisStore: connectTimeoutMs', 2_000, milliseconds);
  const commandTimeoutMs = numberOption(options.commandTimeoutMs, 'redisStore: commandTimeoutMs', 2_000, milliseconds);
  const maxReconnectDelayMs = numberOption(options.maxReconnectDelayMs, 'redisStore: maxReconnectDelayMs', 2_000, milliseconds);
  const logger = loggerOption(options.logger, 'redisStore: logger');
  return { uri, client: options.client, keyPrefix, connectTimeoutMs, commandTimeoutMs, maxReconnectDelayMs, logger };
}
