import { InvalidTokenError } from './errors.js';
import { sha256 } from './lib/hash.js';
import { tokenCacheLookups } from './telemetry/instruments.js';
import type { VerifiedTokenCache } from './token-cache.js';
import type { Principal, TokenValidator } from './types.js';

const HIT = Object.freeze({ 'mcpgate.cache.result': 'hit' });
const MISS = Object.freeze({ 'mcpgate.cache.result': 'miss' });

/** Turns a token into its principal: from the cache when it holds a verdict, else by one shared validation. */
export type TokenVerifier = (token: string) => Principal | Promise<Principal>;

/**
 * The verification step of the pipeline: a repeat token costs a hash and a map lookup (synchronous);
 * a new one is validated once however many requests carry it at the same moment (they share the
 * in-flight promise), and its verdict is cached until the token's `exp`, the cache's `maxTtlMs`, or the
 * validator's `maxCacheTtlMs` past `verifiedAt`, whichever comes first.
 */
export function tokenVerifier(validator: TokenValidator, cache: VerifiedTokenCache, resource: string): TokenVerifier {
  const validatorTtl = validator.maxCacheTtlMs;
  const inFlight = new Map<string, Promise<Principal>>();
  return (token) => {
    const key = sha256(token);
    const cached = cache.get(key);
    tokenCacheLookups().add(1, cached === undefined ? MISS : HIT);
    if (cached !== undefined) return cached;
    let pending = inFlight.get(key);
    if (pending === undefined) {
      pending = validator
        .validate(token, { resource })
        .then((validated) => {
          assertPrincipal(validated);
          const principal = withKeyBinding(validated);
          const vouchedUntil =
            validatorTtl !== undefined && principal.verifiedAt !== undefined ? principal.verifiedAt * 1000 + validatorTtl : Infinity;
          cache.set(key, principal, Date.now(), vouchedUntil);
          return principal;
        })
        .finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  };
}

/** The principal with `jkt` from its `cnf.jkt` claim (RFC 9449 §6.1; an introspection answer's `cnf` alike). */
function withKeyBinding(principal: Principal): Principal {
  const cnf = principal.claims['cnf'];
  const jkt = typeof cnf === 'object' && cnf !== null && Object.hasOwn(cnf, 'jkt') ? (cnf as { jkt?: unknown }).jkt : undefined;
  if (jkt === undefined) return principal; // a validator may have set jkt itself: never drop a binding
  if (typeof jkt !== 'string' || jkt === '') throw new InvalidTokenError('the token\'s cnf.jkt is not a thumbprint', { reason: 'malformed', claim: 'cnf' });
  return { ...principal, jkt };
}

/** A validator's answer must name a subject and an expiry: everything downstream relies on both. */
function assertPrincipal(principal: Principal): void {
  if (typeof principal !== 'object' || principal === null || typeof principal.subject !== 'string' || principal.subject === '') {
    throw new InvalidTokenError('the token names no subject', { reason: 'missing_claim', claim: 'sub' });
  }
  if (typeof principal.expiresAt !== 'number' || !Number.isFinite(principal.expiresAt)) {
    throw new InvalidTokenError('the token has no expiry', { reason: 'missing_claim', claim: 'exp' });
  }
}
