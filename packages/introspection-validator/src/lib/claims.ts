import { InvalidTokenError } from '@mcpgate/core';
import { acceptedAudiences } from '@mcpgate/core/internal';
import type { Principal } from '@mcpgate/core';

export interface ClaimPolicy {
  readonly issuer: string;
  readonly requireAudience: boolean;
  /** Seconds; lifetime given to a principal whose answer carries no `exp`. */
  readonly cacheTtlSeconds: number;
}

/**
 * Checks the claims of an active answer and builds the principal. `introspectedAt` (seconds) anchors
 * the derived expiry of tokens without `exp`, so every cache hit rebuilds the same principal.
 */
export function principalFromClaims(
  claims: Readonly<Record<string, unknown>>,
  resource: string,
  policy: ClaimPolicy,
  introspectedAt: number,
  now: number,
): Principal {
  const exp = claims['exp'] as number | undefined;
  if (exp !== undefined && exp <= now) throw new InvalidTokenError('token expired', { reason: 'expired', claim: 'exp' });
  const nbf = claims['nbf'] as number | undefined;
  if (nbf !== undefined && nbf > now) throw new InvalidTokenError('token not yet valid', { reason: 'not_yet_valid', claim: 'nbf' });

  const aud = claims['aud'] as string | string[] | undefined;
  const audience = aud === undefined ? [] : typeof aud === 'string' ? [aud] : [...aud];
  if (aud === undefined && policy.requireAudience) {
    throw new InvalidTokenError('introspection response carries no audience', { reason: 'missing_claim', claim: 'aud' });
  }
  if (aud !== undefined) {
    const accepted = acceptedAudiences(resource);
    if (!audience.some((a) => accepted.includes(a))) {
      throw new InvalidTokenError('token audience does not include this resource', { reason: 'audience', claim: 'aud' });
    }
  }

  const iss = claims['iss'] as string | undefined;
  if (iss !== undefined && iss !== policy.issuer) throw new InvalidTokenError('unexpected token issuer', { reason: 'issuer', claim: 'iss' });

  const sub = claims['sub'];
  if (typeof sub !== 'string' || sub === '') throw new InvalidTokenError('token has no subject', { reason: 'missing_claim', claim: 'sub' });

  const tokenType = (claims['token_type'] as string | undefined)?.toLowerCase();
  if (tokenType !== undefined && !['access_token', 'bearer', 'dpop'].includes(tokenType)) {
    throw new InvalidTokenError('token is not an access token', { reason: 'type', claim: 'token_type' });
  }
  // RFC 9449 §6.2: a DPoP token's answer names the key it is bound to; without it, it must not pass as a bearer token
  const cnf = claims['cnf'];
  const jkt = typeof cnf === 'object' && cnf !== null ? (cnf as { jkt?: unknown }).jkt : undefined;
  if (tokenType === 'dpop' && (typeof jkt !== 'string' || jkt === '')) {
    throw new InvalidTokenError('a DPoP token without cnf.jkt', { reason: 'malformed', claim: 'cnf' });
  }

  const scope = claims['scope'] as string | undefined;
  return {
    issuer: policy.issuer,
    subject: sub,
    clientId: (claims['client_id'] as string | undefined) ?? '',
    scopes: scope === undefined ? [] : scope.split(' ').filter((s) => s !== ''),
    expiresAt: exp ?? introspectedAt + policy.cacheTtlSeconds,
    audience,
    claims,
    verifiedAt: introspectedAt,
  };
}
