import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify, type JWTPayload } from 'jose';
import { InvalidDpopProofError, type InvalidDpopProofReason } from '../errors.js';
import { normalizedHtu } from './htu.js';

/** What a proof must match: this request. */
export interface ProofRequest {
  /** The HTTP method, upper case. */
  readonly method: string;
  /** The normalised URI of the protected resource (see `normalizedHtu`): the proof's `htu` must be it. */
  readonly htu: string;
  /** The access token presented with the proof: `ath` must be its SHA-256. */
  readonly accessToken: string;
}

export interface ProofRules {
  /** Accepted JWS algorithms (asymmetric only). */
  readonly algorithms: readonly string[];
  /** How far `iat` may be from now, either way, in seconds. */
  readonly maxAgeSeconds: number;
}

/** A proof that passed every check of RFC 9449 §4.3 but the nonce and the replay check. */
export interface CheckedProof {
  /** RFC 7638 SHA-256 thumbprint of the proof key: what `cnf.jkt` must be. */
  readonly jkt: string;
  readonly jti: string;
  /** Seconds since the epoch. */
  readonly iat: number;
  readonly nonce: string | undefined;
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_PROOF_LENGTH = 8 * 1024;
const MAX_JTI_LENGTH = 256;
const refuse = (reason: InvalidDpopProofReason, message: string, cause?: unknown): InvalidDpopProofError =>
  new InvalidDpopProofError(message, cause === undefined ? { reason } : { reason, cause });

/** base64url SHA-256 of the ASCII access token: the `ath` claim (RFC 9449 §4.2). */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

/**
 * Checks a DPoP proof JWT against this request, as RFC 9449 §4.3 lists (the header count is the
 * caller's): a single compact JWS; `typ` `dpop+jwt`; an accepted asymmetric `alg`; a signature by the
 * public key in `jwk` (never a private or symmetric key: jose refuses them); `jti`, `htm`, `htu`, `iat`
 * present; `htm` the method; `htu` the resource, without query or fragment, after normalisation; `iat`
 * within `maxAgeSeconds` either way; `ath` the hash of the access token.
 *
 * @throws InvalidDpopProofError naming the rule that failed (fixed messages: no request data in them).
 */
export async function checkDpopProof(proof: string, request: ProofRequest, rules: ProofRules, now = Date.now() / 1000): Promise<CheckedProof> {
  if (proof.length > MAX_PROOF_LENGTH || !COMPACT_JWS.test(proof)) throw refuse('malformed', 'the DPoP proof is not a single compact JWS');
  let payload: JWTPayload;
  let jwk: Parameters<typeof calculateJwkThumbprint>[0];
  try {
    const verified = await jwtVerify(proof, EmbeddedJWK, { algorithms: [...rules.algorithms], typ: 'dpop+jwt' });
    payload = verified.payload;
    jwk = verified.protectedHeader.jwk as Parameters<typeof calculateJwkThumbprint>[0];
  } catch (error) {
    throw joseRefusal(error);
  }
  const { jti, htm, htu, iat, ath, nonce } = payload as JWTPayload & { htm?: unknown; htu?: unknown; ath?: unknown; nonce?: unknown };
  if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) throw refuse('missing_claim', 'the DPoP proof needs a jti');
  if (typeof htm !== 'string' || typeof htu !== 'string' || typeof iat !== 'number' || !Number.isFinite(iat)) {
    throw refuse('missing_claim', 'the DPoP proof needs htm, htu and iat');
  }
  if (htm !== request.method) throw refuse('method', 'the DPoP proof was made for another HTTP method (htm)');
  const target = normalizedHtu(htu);
  if (target === undefined || target.hasQueryOrFragment || target.uri !== request.htu) {
    throw refuse('uri', 'the DPoP proof was made for another URI (htu, without query or fragment)');
  }
  if (Math.abs(now - iat) > rules.maxAgeSeconds) throw refuse('time', 'the DPoP proof is too old or from the future (iat)');
  if (typeof ath !== 'string' || ath !== accessTokenHash(request.accessToken)) throw refuse('ath', 'the DPoP proof is not bound to this access token (ath)');
  if (nonce !== undefined && typeof nonce !== 'string') throw refuse('nonce', 'the DPoP proof nonce must be a string');
  return { jkt: await calculateJwkThumbprint(jwk, 'sha256'), jti, iat, nonce };
}

function joseRefusal(error: unknown): InvalidDpopProofError {
  const code = (error as { code?: unknown } | null)?.code;
  const claim = (error as { claim?: unknown } | null)?.claim;
  switch (code) {
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return refuse('algorithm', 'the DPoP proof algorithm is not accepted', error);
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return refuse('signature', 'the DPoP proof signature does not verify with its jwk', error);
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return claim === 'typ' ? refuse('type', 'the DPoP proof typ must be dpop+jwt', error) : refuse('malformed', 'the DPoP proof claims are malformed', error);
    case 'ERR_JWS_INVALID':
      // among others: '"jwk" (JSON Web Key) Header Parameter must be a public key'
      return refuse(/public key/.test(String((error as Error).message)) ? 'private_key' : 'malformed', 'the DPoP proof header is malformed or its jwk is not a public key', error);
    default:
      return refuse('malformed', 'the DPoP proof could not be verified', error);
  }
}
