import { InvalidTokenError, ServiceUnavailableError } from '@mcpgate/core';
import type { JsonValue, Principal, TokenValidator, ValidationContext } from '@mcpgate/core';
import { principalFromClaims } from './lib/claims.js';
import { clientAuthentication } from './lib/client-auth.js';
import { resolveOptions, type ResolvedOptions } from './lib/options.js';
import { MalformedIntrospectionResponse, processIntrospectionResponse } from './lib/process-response.js';
import { introspectionRequest } from './lib/request.js';
import {
  cachedDiscovery,
  httpClientAttributes,
  inSpan,
  raceAbort,
  rateLimitedWarn,
  ResponseTooLargeError,
  sha256,
  withDeadline,
} from '@mcpgate/core/internal';
import { cacheLookups, introspections, type IntrospectionOutcome } from './lib/telemetry.js';
import { VerdictCache } from './lib/verdict-cache.js';
import type { Verdict } from './lib/verdict-cache.js';
import type { IntrospectionValidatorOptions } from './types.js';

const STORE_TIMEOUT_CAP_MS = 1_000;

/**
 * A {@link TokenValidator} for opaque access tokens: asks the authorization server (RFC 7662) whether a
 * token is active, checks the answer's `exp`, `nbf`, `aud`, `iss`, `sub`, `token_type` (`DPoP` with its `cnf.jkt`), and caches
 * the answer by the SHA-256 of the token (never the token) for at most `cacheTtlSeconds` and never past
 * `exp` — sealed with `sealer` (AES-256-GCM, bound to the token's cache key) when one is given, which a
 * persistent `cache` requires. An answer without `aud` is refused unless `requireAudience: false`. Concurrent validations of one token share one call. An unreachable or misbehaving authorization
 * server yields `ServiceUnavailableError` (503 + `Retry-After`), never `InvalidTokenError`.
 *
 * Revocation lag: a revoked token keeps working for up to `cacheTtlSeconds` (plus whatever the
 * composition root's own token cache adds; see the README).
 *
 * @example
 * ```ts
 * const auth = createMcpAuth({
 *   resource: 'https://mcp.example.com/mcp',
 *   authorizationServers: ['https://login.example.com'],
 *   validator: introspectionValidator({
 *     issuer: 'https://login.example.com',
 *     clientId: 'mcp-server',
 *     clientSecret: process.env.INTROSPECTION_SECRET!,
 *   }),
 * });
 * ```
 * @throws TypeError at construction when an option is invalid (the message names it).
 */
export function introspectionValidator(options: IntrospectionValidatorOptions): TokenValidator {
  const config = resolveOptions(options);
  const warned = new Set<number>();
  const warn = (message: string): void => config.logger.warn(message);
  const warnThrottled = rateLimitedWarn(warn, 60_000);
  if (!config.requireAudience) {
    warn(
      '[mcpgate] introspectionValidator: requireAudience is false, so when the authorization server omits aud from an introspection answer, tokens it issued for other resource servers will be accepted here',
    );
  }
  const unavailable = (dependency: string) => (message: string, cause?: unknown) =>
    new ServiceUnavailableError(message, { dependency, retryAfter: config.retryAfterSeconds, cause });
  const tooLarge = (what: string): void =>
    warnThrottled(`too-large:${what}`, `[mcpgate] ${what} from ${config.issuer} is larger than maxResponseBytes (${config.maxResponseBytes} bytes); refused it (503)`);
  const authenticate = clientAuthentication(config.clientAuthMethod, config);
  const endpoint = config.endpoint === undefined ? discoveredEndpoint(config, warnThrottled) : () => Promise.resolve(config.endpoint as string);
  const cache = new VerdictCache({
    store: config.cache,
    sealer: config.sealer,
    timeoutMs: Math.min(config.timeoutMs, STORE_TIMEOUT_CAP_MS),
    warn,
    warnThrottled,
  });
  const inFlight = new Map<string, Promise<Verdict>>();
  const policy = { issuer: config.issuer, requireAudience: config.requireAudience, cacheTtlSeconds: config.cacheTtlSeconds };
  const nowSeconds = (): number => Math.floor(Date.now() / 1000);

  const introspect = async (token: string): Promise<Verdict> => {
    const url = await endpoint();
    const toError = unavailable('introspection');
    let outcome: IntrospectionOutcome = 'unreachable';
    return inSpan('mcpgate.introspection', { attributes: httpClientAttributes('POST', url) }, async (span) => {
      try {
        const answer = await withDeadline(
          config.timeoutMs,
          async (signal) => {
            const response = await introspectionRequest(config.fetch, url, token, authenticate, signal);
            span.setAttribute('http.response.status_code', response.status);
            return processIntrospectionResponse(response, config.maxResponseBytes, signal);
          },
          () => toError(`introspection did not answer within ${config.timeoutMs} ms`),
        ).catch((error: unknown) => {
          if (error instanceof ServiceUnavailableError) {
            outcome = 'timeout';
            throw error;
          }
          if (error instanceof ResponseTooLargeError) {
            outcome = 'too_large';
            tooLarge('an introspection answer');
            throw toError(`introspection answer is larger than ${config.maxResponseBytes} bytes`, error);
          }
          if (error instanceof MalformedIntrospectionResponse) {
            const { status } = error;
            outcome = status === 200 ? 'malformed' : 'http_error';
            if ((status === 401 || status === 403) && !warned.has(status)) {
              warned.add(status);
              warn(`[mcpgate] introspection endpoint refused this client (HTTP ${status}): check clientId, clientSecret and clientAuthMethod`);
            }
            throw toError(error.message, error);
          }
          throw toError('introspection request failed', error);
        });
        outcome = answer.active ? 'active' : 'inactive';
        return answer.active ? { active: true, at: nowSeconds(), claims: answer as Record<string, JsonValue> } : { active: false };
      } finally {
        span.setAttribute('mcpgate.outcome', outcome);
        introspections().add(1, { 'mcpgate.outcome': outcome });
      }
    });
  };

  const ttlMs = (verdict: Verdict, resource: string): number => {
    const negative = config.negativeCacheTtlSeconds * 1000;
    if (!verdict.active) return negative;
    try {
      principalFromClaims(verdict.claims, resource, policy, verdict.at, nowSeconds());
    } catch {
      return negative;
    }
    const exp = verdict.claims['exp'];
    const untilExp = typeof exp === 'number' ? exp * 1000 - Date.now() : Infinity;
    return Math.min(config.cacheTtlSeconds * 1000, untilExp);
  };

  const lookup = async (tokenHash: string, token: string, resource: string): Promise<Verdict> => {
    const cached = await cache.get(tokenHash);
    cacheLookups().add(1, { 'mcpgate.cache.result': cached === undefined ? 'miss' : 'hit' });
    if (cached !== undefined) return cached;
    const verdict = await introspect(token);
    await cache.set(tokenHash, verdict, ttlMs(verdict, resource));
    return verdict;
  };

  return {
    kind: 'introspection',
    maxCacheTtlMs: config.cacheTtlSeconds * 1000,
    async validate(token: string, ctx: ValidationContext): Promise<Principal> {
      const tokenHash = sha256(token);
      let pending = inFlight.get(tokenHash);
      if (pending === undefined) {
        pending = lookup(tokenHash, token, ctx.resource).finally(() => inFlight.delete(tokenHash));
        inFlight.set(tokenHash, pending);
      }
      const verdict = await raceAbort(pending, ctx.signal);
      if (!verdict.active) throw new InvalidTokenError('token is not active', { reason: 'inactive' });
      return principalFromClaims(verdict.claims, ctx.resource, policy, verdict.at, nowSeconds());
    },
  };
}

/** `introspection_endpoint` from the issuer's metadata (RFC 8414, then OpenID Connect; issuer checked), cached for an hour. */
function discoveredEndpoint(config: ResolvedOptions, warnThrottled: (kind: string, message: string) => void): () => Promise<string> {
  const metadata = cachedDiscovery(config.issuer, {
    fetch: config.fetch,
    timeoutMs: config.timeoutMs,
    maxResponseBytes: config.maxResponseBytes,
    requires: ['introspection_endpoint'],
    onTooLarge: (message) => warnThrottled('too-large:discovery', message),
  });
  return () =>
    metadata().then(
      (document) => document['introspection_endpoint'] as string,
      (error: unknown) => {
        const message = error instanceof Error ? error.message : 'discovery failed';
        throw new ServiceUnavailableError(message, { dependency: 'discovery', retryAfter: config.retryAfterSeconds, cause: error });
      },
    );
}
