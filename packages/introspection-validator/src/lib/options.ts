import { memoryStore } from '@mcpgate/core';
import type { Sealer, Store } from '@mcpgate/core';
import { assertKnownOptions } from '@mcpgate/core/internal';
import type { ClientAuthMethod, IntrospectionValidatorOptions } from '../types.js';
import { CLIENT_AUTH_METHODS } from './client-auth.js';

export interface ResolvedOptions {
  readonly issuer: string;
  readonly endpoint: string | undefined;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly clientAuthMethod: ClientAuthMethod;
  readonly cacheTtlSeconds: number;
  readonly negativeCacheTtlSeconds: number;
  readonly requireAudience: boolean;
  readonly timeoutMs: number;
  readonly fetch: typeof fetch;
  readonly cache: Store;
  readonly sealer: Sealer | undefined;
  readonly maxResponseBytes: number;
  readonly retryAfterSeconds: number;
  readonly logger: Pick<Console, 'warn'>;
}

function httpUrl(value: unknown, name: string): string {
  if (typeof value !== 'string' || !URL.canParse(value)) throw new TypeError(`${name} must be an absolute URL`);
  const { protocol, hash } = new URL(value);
  if (protocol !== 'https:' && protocol !== 'http:') throw new TypeError(`${name} must use https (or http for development)`);
  if (hash !== '') throw new TypeError(`${name} must not contain a fragment`);
  return value;
}

function text(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`);
  return value;
}

function number(value: unknown, name: string, fallback: number, min: 'positive' | 'non-negative', integer = false): number {
  if (value === undefined) return fallback;
  const ok = typeof value === 'number' && Number.isFinite(value) && (min === 'positive' ? value > 0 : value >= 0);
  if (!ok || (integer && !Number.isInteger(value))) throw new TypeError(`${name} must be a ${min} ${integer ? 'integer' : 'number'}`);
  return value as number;
}

const KNOWN_OPTIONS: readonly (keyof IntrospectionValidatorOptions)[] = [
  'issuer',
  'endpoint',
  'clientId',
  'clientSecret',
  'clientAuthMethod',
  'cacheTtlSeconds',
  'negativeCacheTtlSeconds',
  'requireAudience',
  'timeoutMs',
  'fetch',
  'cache',
  'sealer',
  'maxResponseBytes',
  'retryAfterSeconds',
  'logger',
];

/** Default `maxResponseBytes`: 64 KiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 65_536;

function sealerFor(value: unknown, cache: Store): Sealer | undefined {
  if (value !== undefined) {
    const s = value as Partial<Sealer> | null;
    if (typeof s !== 'object' || s === null || typeof s.seal !== 'function' || typeof s.open !== 'function') {
      throw new TypeError('sealer must be a Sealer (createSealer from @mcpgate/core)');
    }
    return value as Sealer;
  }
  if (cache.persistent) {
    throw new TypeError(
      `sealer is required with the persistent ${cache.kind} cache: anyone who can write to it could otherwise forge introspection answers (pass sealer: createSealer(key))`,
    );
  }
  return undefined;
}

/** Checks every option once, at construction: misconfiguration fails at startup with a `TypeError` naming the option. */
export function resolveOptions(options: IntrospectionValidatorOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('introspectionValidator options must be an object');
  assertKnownOptions(options, KNOWN_OPTIONS, 'introspectionValidator');
  const method = options.clientAuthMethod ?? 'client_secret_basic';
  if (!CLIENT_AUTH_METHODS.includes(method)) {
    throw new TypeError(`clientAuthMethod must be one of ${CLIENT_AUTH_METHODS.join(', ')}, got ${JSON.stringify(method)}`);
  }
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw new TypeError('fetch must be a function');
  const cache = options.cache ?? memoryStore({ maxEntries: 10_000, warn: () => undefined });
  if (typeof cache !== 'object' || cache === null || typeof cache.get !== 'function' || typeof cache.set !== 'function') {
    throw new TypeError('cache must implement Store (get, set, ...)');
  }
  const sealer = sealerFor(options.sealer, cache);
  const requireAudience = options.requireAudience ?? true;
  if (typeof requireAudience !== 'boolean') throw new TypeError('requireAudience must be a boolean');
  const logger = options.logger ?? console;
  if (typeof logger?.warn !== 'function') throw new TypeError('logger must have a warn method');
  return {
    issuer: httpUrl(options.issuer, 'issuer'),
    endpoint: options.endpoint === undefined ? undefined : httpUrl(options.endpoint, 'endpoint'),
    clientId: text(options.clientId, 'clientId'),
    clientSecret: text(options.clientSecret, 'clientSecret'),
    clientAuthMethod: method,
    cacheTtlSeconds: number(options.cacheTtlSeconds, 'cacheTtlSeconds', 60, 'positive'),
    negativeCacheTtlSeconds: number(options.negativeCacheTtlSeconds, 'negativeCacheTtlSeconds', 5, 'non-negative'),
    requireAudience,
    timeoutMs: number(options.timeoutMs, 'timeoutMs', 5_000, 'positive'),
    fetch: fetchImpl,
    cache,
    sealer,
    maxResponseBytes: number(options.maxResponseBytes, 'maxResponseBytes', DEFAULT_MAX_RESPONSE_BYTES, 'positive', true),
    retryAfterSeconds: number(options.retryAfterSeconds, 'retryAfterSeconds', 5, 'non-negative', true),
    logger,
  };
}
