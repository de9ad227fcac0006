import type { Logger, Sealer, Store } from '@mcpgate/core';
import { memoryStore } from '@mcpgate/core';
import {
  assertKnownOptions,
  booleanOption,
  DEFAULT_MAX_RESPONSE_BYTES,
  fetchOption,
  httpUrl,
  loggerOption,
  nonEmptyString,
  numberOption,
  sealerOption,
  storeOption,
} from '@mcpgate/core/internal';
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
  readonly logger: Logger;
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

/** The default cache is in-process on purpose: no production warning for it. */
const SILENT: Logger = { warn: () => undefined, error: () => undefined };

/** Checks every option once, at construction: misconfiguration fails at startup with a `TypeError` naming the option. */
export function resolveOptions(options: IntrospectionValidatorOptions): ResolvedOptions {
  assertKnownOptions(options, KNOWN_OPTIONS, 'introspectionValidator');
  const method = options.clientAuthMethod ?? 'client_secret_basic';
  if (!CLIENT_AUTH_METHODS.includes(method)) {
    throw new TypeError(`clientAuthMethod must be one of ${CLIENT_AUTH_METHODS.join(', ')}, got ${JSON.stringify(method)}`);
  }
  const cache = storeOption(options.cache ?? memoryStore({ maxEntries: 10_000, logger: SILENT, evictOldest: true }), 'cache');
  return {
    issuer: httpUrl(options.issuer, 'issuer'),
    endpoint: options.endpoint === undefined ? undefined : httpUrl(options.endpoint, 'endpoint', { query: true }),
    clientId: nonEmptyString(options.clientId, 'clientId'),
    clientSecret: nonEmptyString(options.clientSecret, 'clientSecret'),
    clientAuthMethod: method,
    cacheTtlSeconds: numberOption(options.cacheTtlSeconds, 'cacheTtlSeconds', 60, { sign: 'positive', unit: 'seconds' }),
    negativeCacheTtlSeconds: numberOption(options.negativeCacheTtlSeconds, 'negativeCacheTtlSeconds', 5, { sign: 'non-negative', unit: 'seconds' }),
    requireAudience: booleanOption(options.requireAudience, 'requireAudience', true),
    timeoutMs: numberOption(options.timeoutMs, 'timeoutMs', 5_000, { sign: 'positive', unit: 'milliseconds' }),
    fetch: fetchOption<typeof fetch>(options.fetch),
    cache,
    sealer: sealerOption(
      options.sealer,
      'sealer',
      cache,
      'anyone who can write to it could otherwise forge introspection answers (pass sealer: createSealer(key))',
    ),
    maxResponseBytes: numberOption(options.maxResponseBytes, 'maxResponseBytes', DEFAULT_MAX_RESPONSE_BYTES, { sign: 'positive', integer: true, unit: 'bytes' }),
    retryAfterSeconds: numberOption(options.retryAfterSeconds, 'retryAfterSeconds', 5, { sign: 'non-negative', integer: true, unit: 'seconds' }),
    logger: loggerOption(options.logger),
  };
}
