import { InvalidTokenError, isMcpAuthError, type InvalidTokenReason, type McpAuthError } from '@mcpgate/core';

/** A refusal with a fixed message: never token bytes or claim values. */
export function refuse(reason: InvalidTokenReason, message: string, options: { claim?: string; cause?: unknown } = {}): InvalidTokenError {
  return new InvalidTokenError(message, { reason, ...options });
}

/** Maps anything jose (or WebCrypto) throws while verifying a token to an mcpgate error; mcpgate errors pass through. */
export function toMcpAuthError(error: unknown): McpAuthError {
  if (isMcpAuthError(error)) return error;
  const { code, claim, reason } = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    claim?: unknown;
    reason?: unknown;
  };
  switch (code) {
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return refuse('malformed', 'token is not a well-formed JWS compact JWT', { cause: error });
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return refuse('algorithm', 'token signature algorithm is not accepted', { cause: error });
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return refuse('signature', 'token signature is invalid', { cause: error });
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return refuse('unknown_key', 'no key of the issuer matches the token (kid / alg)', { cause: error });
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return refuse('unknown_key', 'several keys of the issuer match the token and none verifies it', { cause: error });
    case 'ERR_JWT_EXPIRED':
      return refuse('expired', 'token has expired', { claim: typeof claim === 'string' ? claim : 'exp', cause: error });
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return claimError(typeof claim === 'string' ? claim : 'unspecified', reason, error);
    default:
      return refuse('other', 'token could not be verified', { cause: error });
  }
}

function claimError(claim: string, reason: unknown, cause: unknown): InvalidTokenError {
  if (reason === 'missing') return refuse('missing_claim', `token lacks the "${claim}" claim`, { claim, cause });
  if (reason === 'invalid') return refuse('malformed', `token "${claim}" claim has the wrong type`, { claim, cause });
  switch (claim) {
    case 'nbf':
      return refuse('not_yet_valid', 'token is not valid yet (nbf)', { claim, cause });
    case 'iat':
      return refuse('issued_in_future', 'token is issued in the future (iat)', { claim, cause });
    case 'aud':
      return refuse('audience', 'token audience does not include this resource', { claim, cause });
    case 'iss':
      return refuse('issuer', 'token issuer is not trusted', { claim, cause });
    case 'typ':
      return refuse('type', 'token type (typ header) is not at+jwt', { claim, cause });
    default:
      return refuse('other', `token "${claim}" claim check failed`, { claim, cause });
  }
}
