import type { Principal, TokenValidator, ValidationContext } from '@mcpgate/core';
import { acceptedAudiences, cachedDiscovery, rateLimitedWarn } from '@mcpgate/core/internal';
import type { JWTVerifyGetKey } from 'jose';
import { remoteKeys } from './jwks.js';
import { decodeUnverified } from './lib/precheck.js';
import { principalFromPayload } from './lib/principal.js';
import { refuse, toMcpAuthError } from './lib/token-errors.js';
import { verifyWithKeys } from './lib/verify.js';
import { resolveOptions, type JwtValidatorOptions, type ResolvedIssuer, type ResolvedOptions } from './options.js';

const AT_JWT = new Set(['at+jwt', 'application/at+jwt']);

/**
 * A {@link TokenValidator} for JWT access tokens (RFC 9068) signed by trusted issuers.
 *
 * Checks the signature against the issuer's JWKS (found by RFC 8414 / OpenID discovery unless
 * `jwksUri` is given), the algorithm allowlist, `iss` (exact), `aud` (the request's resource),
 * `exp` (required), `nbf`, `iat`, and optionally the `at+jwt` type. Token problems reject with
 * `InvalidTokenError` (with a `reason`); an unreachable authorization server or JWKS rejects with
 * `ServiceUnavailableError`. Options are checked here: a bad one throws `TypeError`.
 *
 * @example
 * ```ts
 * import { createMcpAuth } from '@mcpgate/core';
 * import { jwtValidator } from '@mcpgate/jwt-validator';
 *
 * const auth = createMcpAuth({
 *   resource: 'https://mcp.example.com/mcp',
 *   authorizationServers: ['https://login.example.com'],
 *   validator: jwtValidator({ issuer: 'https://login.example.com', requireJwtAccessTokenType: true }),
 * });
 * ```
 */
export function jwtValidator(options: JwtValidatorOptions): TokenValidator {
  const config = resolveOptions(options);
  const warn = rateLimitedWarn((message) => config.logger.warn(message), 60_000);
  const keysOf = new Map<string, () => Promise<JWTVerifyGetKey>>();
  for (const issuer of config.issuers.values()) keysOf.set(issuer.issuer, issuerKeys(issuer, config, warn));

  return {
    kind: 'jwt',
    clockToleranceSeconds: config.clockToleranceSeconds,
    async validate(token: string, ctx: ValidationContext): Promise<Principal> {
      if (typeof ctx?.resource !== 'string' || ctx.resource === '') {
        throw new TypeError('validate() needs ctx.resource, the canonical resource URI (a wiring mistake)');
      }
      try {
        return await validateToken(token, ctx, config, keysOf);
      } catch (error) {
        throw toMcpAuthError(error);
      }
    },
  };
}

async function validateToken(
  token: string,
  ctx: ValidationContext,
  config: ResolvedOptions,
  keysOf: ReadonlyMap<string, () => Promise<JWTVerifyGetKey>>,
): Promise<Principal> {
  const { header, claims } = decodeUnverified(token);
  if (claims.iss === undefined) throw refuse('missing_claim', 'token lacks the "iss" claim', { claim: 'iss' });
  const issuer = typeof claims.iss === 'string' ? config.issuers.get(claims.iss) : undefined;
  const keys = typeof claims.iss === 'string' ? keysOf.get(claims.iss) : undefined;
  if (issuer === undefined || keys === undefined) throw refuse('issuer', 'token issuer is not trusted', { claim: 'iss' });
  if (typeof header.alg !== 'string' || !(issuer.algorithms as readonly string[]).includes(header.alg)) {
    throw refuse('algorithm', 'token signature algorithm is not accepted');
  }
  if (config.requireJwtAccessTokenType && !(typeof header.typ === 'string' && AT_JWT.has(header.typ.toLowerCase()))) {
    throw refuse('type', 'token type (typ header) is not at+jwt', { claim: 'typ' });
  }

  const { payload } = await verifyWithKeys(token, await keys(), {
    issuer: issuer.issuer,
    audience: [...(issuer.audience ?? acceptedAudiences(ctx.resource))],
    algorithms: [...issuer.algorithms],
    requiredClaims: ['exp'],
    clockTolerance: config.clockToleranceSeconds,
    ...(config.requireJwtAccessTokenType ? { typ: 'at+jwt' } : {}),
  });
  if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + config.clockToleranceSeconds) {
    throw refuse('issued_in_future', 'token is issued in the future (iat)', { claim: 'iat' });
  }
  return principalFromPayload(payload, config.subjectClaim);
}

function issuerKeys(issuer: ResolvedIssuer, config: ResolvedOptions, warn: (kind: string, message: string) => void): () => Promise<JWTVerifyGetKey> {
  const jwksOptions = {
    fetch: config.fetch,
    timeoutMs: config.timeoutMs,
    cooldownMs: config.jwksCooldownMs,
    cacheMaxAgeMs: config.jwksCacheMaxAgeMs,
    maxResponseBytes: config.maxResponseBytes,
  };
  if (issuer.jwksUri !== undefined) {
    const keys = remoteKeys(issuer.jwksUri, jwksOptions);
    return () => Promise.resolve(keys);
  }
  const metadata = cachedDiscovery(issuer.issuer, {
    fetch: config.fetch,
    timeoutMs: config.timeoutMs,
    maxResponseBytes: config.maxResponseBytes,
    cacheTtlMs: config.discoveryCacheTtlMs,
    requires: ['jwks_uri'],
    onTooLarge: (message) => warn(`too-large:${issuer.issuer}`, message),
  });
  return async () => remoteKeys((await metadata())['jwks_uri'] as string, jwksOptions);
}
