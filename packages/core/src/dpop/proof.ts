import { verify as verifySignature } from 'node:crypto';
import { InvalidDpopProofError, InvalidTokenError, type InvalidDpopProofReason } from '../errors.js';
import { BoundedMap } from '../lib/bounded-map.js';
import { sha256 } from '../lib/hash.js';
import { normalizedHtu } from './htu.js';
import { proofHeader, type ProofHeader } from './proof-header.js';

/** What a proof must match: this request. */
export interface ProofRequest {
  /** The HTTP method, upper case. */
  readonly method: string;
  /** The normalised URI of the protected resource (see `normalizedHtu`): the proof's `htu` must be it. */
  readonly htu: string;
  /** The access token presented with the proof: `ath` must be its SHA-256. */
  readonly accessToken: string;
  /**
   * The thumbprint of the key the token is bound to (`cnf.jkt`): a proof by another key is refused before
   * its signature is checked (`InvalidTokenError`, reason `binding`), so nobody makes mcpgate verify
   * signatures by keys no token of theirs is bound to.
   */
  readonly jkt?: string;
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

// base64url without padding: a segment's length is never 1 more than a multiple of 4 (Node would drop that character)
const COMPACT_JWS = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2,3})?\.(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2,3})?\.(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2,3})?$/;
const MAX_PROOF_LENGTH = 8 * 1024;
const MAX_JTI_LENGTH = 256;
const refuse = (reason: InvalidDpopProofReason, message: string, cause?: unknown): InvalidDpopProofError =>
  new InvalidDpopProofError(message, cause === undefined ? { reason } : { reason, cause });

/** base64url SHA-256 of the ASCII access token: the `ath` claim (RFC 9449 §4.2). */
export function accessTokenHash(accessToken: string): string {
  return sha256(accessToken);
}

/**
 * Checks a DPoP proof JWT against this request, as RFC 9449 §4.3 lists (the header count is the
 * caller's): a single compact JWS; `typ` `dpop+jwt`; an accepted asymmetric `alg`; a `jwk` that is the
 * key the token is bound to, when `request.jkt` is given (checked before the signature); a signature by
 * the public key in `jwk` (never a private or symmetric key); `jti`, `htm`, `htu`, `iat` present; `htm`
 * the method; `htu` the resource, without query or fragment, after normalisation; `iat` within
 * `maxAgeSeconds` either way; `ath` the hash of the access token. An `exp` or `nbf`, if present, must hold.
 *
 * @throws InvalidDpopProofError naming the rule that failed (fixed messages: no request data in them).
 * @throws InvalidTokenError (reason `binding`) when the proof's key is not `request.jkt`.
 */
export async function checkDpopProof(proof: string, request: ProofRequest, rules: ProofRules, now = Date.now() / 1000): Promise<CheckedProof> {
  if (proof.length > MAX_PROOF_LENGTH || !COMPACT_JWS.test(proof)) throw refuse('malformed', 'the DPoP proof is not a single compact JWS');
  const first = proof.indexOf('.');
  const second = proof.indexOf('.', first + 1);
  const header = proofHeader(proof.slice(0, first));
  if (!rules.algorithms.includes(header.alg)) throw refuse('algorithm', 'the DPoP proof algorithm is not accepted');
  if (request.jkt !== undefined && header.jkt !== request.jkt) {
    throw new InvalidTokenError('the DPoP proof key is not the key the access token is bound to', { reason: 'binding' });
  }
  const signature = Buffer.from(proof.slice(second + 1), 'base64url');
  if (!(await verifies(header, Buffer.from(proof.slice(0, second), 'latin1'), signature))) {
    throw refuse('signature', 'the DPoP proof signature does not verify with its jwk');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(proof.slice(first + 1, second), 'base64url').toString('utf8'));
  } catch (error) {
    throw refuse('malformed', 'the DPoP proof claims are not JSON', error);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw refuse('malformed', 'the DPoP proof claims are not a JSON object');
  const { jti, htm, htu, iat, ath, nonce, exp, nbf } = payload as Record<string, unknown>;
  if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) throw refuse('missing_claim', 'the DPoP proof needs a jti');
  if (typeof htm !== 'string' || typeof htu !== 'string' || typeof iat !== 'number' || !Number.isFinite(iat)) {
    throw refuse('missing_claim', 'the DPoP proof needs htm, htu and iat');
  }
  if (htm !== request.method) throw refuse('method', 'the DPoP proof was made for another HTTP method (htm)');
  const target = htuOf(htu);
  if (target === undefined || target.hasQueryOrFragment || target.uri !== request.htu) {
    throw refuse('uri', 'the DPoP proof was made for another URI (htu, without query or fragment)');
  }
  if (Math.abs(now - iat) > rules.maxAgeSeconds) throw refuse('time', 'the DPoP proof is too old or from the future (iat)');
  if ((exp !== undefined && typeof exp !== 'number') || (nbf !== undefined && typeof nbf !== 'number')) {
    throw refuse('malformed', 'the DPoP proof exp and nbf must be numbers');
  }
  if ((exp !== undefined && !(now < exp)) || (nbf !== undefined && !(nbf <= now))) throw refuse('time', 'the DPoP proof has expired or is not valid yet (exp, nbf)');
  if (typeof ath !== 'string' || ath !== accessTokenHash(request.accessToken)) throw refuse('ath', 'the DPoP proof is not bound to this access token (ath)');
  if (nonce !== undefined && typeof nonce !== 'string') throw refuse('nonce', 'the DPoP proof nonce must be a string');
  return { jkt: header.jkt, jti, iat, nonce };
}

/** A client sends the same `htu` in every proof: its normal form is computed once (at most 256 remembered). */
const htus = new BoundedMap<string, ReturnType<typeof normalizedHtu>>(256);
function htuOf(htu: string): ReturnType<typeof normalizedHtu> {
  if (htus.has(htu)) return htus.get(htu);
  const normal = normalizedHtu(htu);
  if (htu.length <= 2048) htus.set(htu, normal);
  return normal;
}

/**
 * The signature check, on libuv's thread pool (`crypto.verify` with a callback): the ≈ 100–150 µs an ES256
 * verification costs do not block the event loop, and run beside it on a machine with a spare core.
 */
function verifies(header: ProofHeader, data: Buffer, signature: Buffer): Promise<boolean> {
  if (header.signatureLength !== undefined && signature.length !== header.signatureLength) return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      verifySignature(header.digest, data, header.key, signature, (error, valid) => resolve(error === null && valid));
    } catch {
      resolve(false);
    }
  });
}
