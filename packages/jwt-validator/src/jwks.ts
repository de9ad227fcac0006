import { ServiceUnavailableError } from '@mcpgate/core';
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose';
import { isTimeout, ResponseTooLargeError } from '@mcpgate/core/internal';
import { abortableFetch, boundedFetch, fetchOrGlobal, tracedJwksFetch } from './lib/fetch.js';
import type { FetchLike } from './options.js';

/** How a remote key set is fetched and cached. */
export interface RemoteKeysOptions {
  /** `fetch` to use. Default: the global `fetch`. Part of the cache key. */
  readonly fetch?: FetchLike | undefined;
  /** Longest a JWKS request may take, in milliseconds. */
  readonly timeoutMs: number;
  /** Least time between two refetches caused by an unknown `kid`, in milliseconds. */
  readonly cooldownMs: number;
  /** Age after which the key set is fetched again, in milliseconds. */
  readonly cacheMaxAgeMs: number;
  /** Largest JWKS read, in bytes; a larger one is cancelled and the fetch fails. */
  readonly maxResponseBytes: number;
}

/** Errors jose raises about the token itself during key selection; they pass through for mapping. */
const TOKEN_KEY_ERRORS: ReadonlySet<string> = new Set([
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
  'ERR_JOSE_NOT_SUPPORTED',
]);

const DEFAULT_FETCH_KEY = {};
const byFetch = new WeakMap<object, Map<string, JWTVerifyGetKey>>();

/**
 * The process-wide key resolver of a JWKS URL: one jose remote key set per URL, fetch and cache
 * settings, so its cache and unknown-`kid` cooldown hold across validators and requests. Fetch
 * failures reject with `ServiceUnavailableError` (`dependency: 'jwks'`).
 */
export function remoteKeys(jwksUri: string, options: RemoteKeysOptions): JWTVerifyGetKey {
  const fetchKey: object = options.fetch ?? DEFAULT_FETCH_KEY;
  let resolvers = byFetch.get(fetchKey);
  if (resolvers === undefined) {
    resolvers = new Map();
    byFetch.set(fetchKey, resolvers);
  }
  const key = JSON.stringify([jwksUri, options.timeoutMs, options.cooldownMs, options.cacheMaxAgeMs, options.maxResponseBytes]);
  let resolver = resolvers.get(key);
  if (resolver === undefined) {
    resolver = createResolver(jwksUri, options);
    resolvers.set(key, resolver);
  }
  return resolver;
}

function createResolver(jwksUri: string, options: RemoteKeysOptions): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(new URL(jwksUri), {
    timeoutDuration: options.timeoutMs,
    cooldownDuration: options.cooldownMs,
    cacheMaxAge: options.cacheMaxAgeMs,
    [customFetch]: tracedJwksFetch(abortableFetch(boundedFetch(fetchOrGlobal(options.fetch), options.maxResponseBytes))),
  });
  // After a failed fetch, calls that would fetch again fail fast for a short while: an unreachable JWKS
  // is not hammered (nor requests piled up behind timeouts), even by tokens with made-up `kid`s.
  const backoffMs = Math.min(5_000, options.cooldownMs);
  let failedAt = -Infinity;
  const servedFromCache = (kid: string | undefined): boolean =>
    remote.fresh && (remote.jwks()?.keys.some((k) => kid === undefined || k.kid === kid) ?? false);

  return async (header, token) => {
    const sinceFailure = Date.now() - failedAt;
    if (sinceFailure < backoffMs && !servedFromCache(header.kid)) {
      throw new ServiceUnavailableError(`JWKS unavailable (${jwksUri}); retrying shortly`, {
        dependency: 'jwks',
        retryAfter: Math.ceil((backoffMs - sinceFailure) / 1000),
      });
    }
    try {
      return await remote(header, token);
    } catch (cause) {
      const code = (cause as { code?: unknown } | null)?.code;
      if (typeof code === 'string' && TOKEN_KEY_ERRORS.has(code)) throw cause;
      failedAt = Date.now();
      const what =
        code === 'ERR_JWKS_TIMEOUT' || isTimeout(cause)
          ? `timed out after ${options.timeoutMs} ms`
          : cause instanceof ResponseTooLargeError
            ? `answered more than ${options.maxResponseBytes} bytes`
            : 'failed';
      throw new ServiceUnavailableError(`JWKS request ${what} (${jwksUri})`, { dependency: 'jwks', cause });
    }
  };
}
