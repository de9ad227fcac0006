import { constants, createPublicKey, type KeyObject, type VerifyKeyObjectInput, type VerifyPublicKeyInput } from 'node:crypto';
import { InvalidDpopProofError, type InvalidDpopProofReason } from '../errors.js';
import { BoundedMap } from '../lib/bounded-map.js';
import { sha256 } from '../lib/hash.js';

/**
 * The protected header of a DPoP proof, checked once and remembered: a client signs every proof with one
 * key, so its header segment repeats byte for byte, and importing the key (≈ 125 µs for P-256 here) and
 * hashing its thumbprint are done on the first proof only. An entry is a pure function of the segment.
 */
export interface ProofHeader {
  readonly alg: string;
  /** RFC 7638 SHA-256 thumbprint of `jwk`. */
  readonly jkt: string;
  /** How `node:crypto.verify` checks a signature by this key for this algorithm. */
  readonly digest: string | null;
  readonly key: VerifyKeyObjectInput | VerifyPublicKeyInput;
  /** ECDSA: the only valid signature length (IEEE P1363 r‖s). */
  readonly signatureLength: number | undefined;
}

interface Algorithm {
  readonly kty: 'EC' | 'RSA' | 'OKP';
  /** EC and OKP: the one curve the algorithm uses. */
  readonly crv?: string;
  readonly digest: string | null;
  readonly signatureLength?: number;
  readonly pss?: true;
}

/** The asymmetric JWS algorithms a proof may use (RFC 7518 §3, RFC 8037, RFC 9864), and what each needs of its key. */
const ALGORITHMS: Readonly<Record<string, Algorithm>> = Object.freeze({
  ES256: { kty: 'EC', crv: 'P-256', digest: 'sha256', signatureLength: 64 },
  ES384: { kty: 'EC', crv: 'P-384', digest: 'sha384', signatureLength: 96 },
  ES512: { kty: 'EC', crv: 'P-521', digest: 'sha512', signatureLength: 132 },
  RS256: { kty: 'RSA', digest: 'sha256' },
  RS384: { kty: 'RSA', digest: 'sha384' },
  RS512: { kty: 'RSA', digest: 'sha512' },
  PS256: { kty: 'RSA', digest: 'sha256', pss: true },
  PS384: { kty: 'RSA', digest: 'sha384', pss: true },
  PS512: { kty: 'RSA', digest: 'sha512', pss: true },
  EdDSA: { kty: 'OKP', crv: 'Ed25519', digest: null },
  Ed25519: { kty: 'OKP', crv: 'Ed25519', digest: null },
});

/** JWK members that make a key private or symmetric (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const MIN_RSA_BITS = 2048;
/** Larger moduli, and public exponents over 32 bits, make one verification cost milliseconds (a 3,071-bit exponent ≈ 10 ms). */
const MAX_RSA_BITS = 8192;
const MAX_RSA_EXPONENT = 2n ** 32n;
/** Headers longer than this are checked every time, never remembered. */
const MAX_REMEMBERED_LENGTH = 4096;
const MAX_REMEMBERED = 512;

const refuse = (reason: InvalidDpopProofReason, message: string, cause?: unknown): InvalidDpopProofError =>
  new InvalidDpopProofError(message, cause === undefined ? { reason } : { reason, cause });
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
/** RFC 7515 §4.1.9: `application/` may be left out of a media type, and media types are case-insensitive. */
const mediaType = (value: string): string => value.toLowerCase().replace(/^application\//, '');

/** The most recent headers, oldest evicted first. */
const remembered = new BoundedMap<string, ProofHeader>(MAX_REMEMBERED);

/**
 * The checked header of a proof's first segment (base64url), from memory when this segment was seen before.
 * Whether `alg` is one this resource accepts is the caller's check: the entry is the same for every caller.
 *
 * @throws InvalidDpopProofError: not JSON, `typ` not `dpop+jwt`, an unknown or symmetric `alg`, a `crit`
 *   extension, no `jwk`, a private or symmetric `jwk`, a `jwk` of another type or curve than `alg` needs or
 *   meant for another use, an RSA key outside 2048–8192 bits or with an even, tiny or over-32-bit exponent,
 *   a `jwk` that is not a valid public key.
 */
export function proofHeader(segment: string): ProofHeader {
  const known = remembered.get(segment);
  if (known !== undefined) return known;
  const header = checkHeader(segment);
  if (segment.length <= MAX_REMEMBERED_LENGTH) remembered.set(segment, header);
  return header;
}

function checkHeader(segment: string): ProofHeader {
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch (error) {
    throw refuse('malformed', 'the DPoP proof header is not JSON', error);
  }
  if (!isObject(header)) throw refuse('malformed', 'the DPoP proof header is not a JSON object');
  if (typeof header['typ'] !== 'string' || mediaType(header['typ']) !== 'dpop+jwt') throw refuse('type', 'the DPoP proof typ must be dpop+jwt');
  const alg = header['alg'];
  if (typeof alg !== 'string') throw refuse('malformed', 'the DPoP proof header has no alg');
  const algorithm = Object.hasOwn(ALGORITHMS, alg) ? ALGORITHMS[alg] : undefined;
  if (algorithm === undefined) throw refuse('algorithm', 'the DPoP proof algorithm is not accepted');
  // RFC 7515 §4.1.11: an extension the recipient does not understand must be refused; none is understood here
  if (header['crit'] !== undefined) throw refuse('malformed', 'the DPoP proof header names a critical extension (crit)');
  const jwk = header['jwk'];
  if (!isObject(jwk)) throw refuse('malformed', 'the DPoP proof header has no jwk');
  if (jwk['kty'] === 'oct' || PRIVATE_MEMBERS.some((member) => jwk[member] !== undefined)) {
    throw refuse('private_key', 'the DPoP proof jwk must be a public key');
  }
  if (jwk['kty'] !== algorithm.kty || (algorithm.crv !== undefined && jwk['crv'] !== algorithm.crv)) {
    throw refuse('algorithm', 'the DPoP proof jwk is not a key for its alg');
  }
  // RFC 7517 §4.2–4.4: a key meant for another use, algorithm or operation does not sign proofs
  const ops = jwk['key_ops'];
  if (
    (jwk['use'] !== undefined && jwk['use'] !== 'sig') ||
    (jwk['alg'] !== undefined && jwk['alg'] !== alg) ||
    (ops !== undefined && !(Array.isArray(ops) && ops.includes('verify')))
  ) {
    throw refuse('algorithm', 'the DPoP proof jwk is meant for another use, alg or operation (use, alg, key_ops)');
  }
  // RFC 7638 §3.2: the required members only, in lexicographic order
  const required: Record<string, unknown> =
    algorithm.kty === 'EC'
      ? { crv: jwk['crv'], kty: 'EC', x: jwk['x'], y: jwk['y'] }
      : algorithm.kty === 'RSA'
        ? { e: jwk['e'], kty: 'RSA', n: jwk['n'] }
        : { crv: jwk['crv'], kty: 'OKP', x: jwk['x'] };
  for (const [name, value] of Object.entries(required)) {
    if (name !== 'kty' && name !== 'crv' && (typeof value !== 'string' || !BASE64URL.test(value))) {
      throw refuse('malformed', 'the DPoP proof jwk is not a valid public key');
    }
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: required as never, format: 'jwk' });
  } catch (error) {
    throw refuse('malformed', 'the DPoP proof jwk is not a valid public key', error);
  }
  if (algorithm.kty === 'RSA') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    const exponent = key.asymmetricKeyDetails?.publicExponent ?? 0n;
    if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) throw refuse('algorithm', `the DPoP proof RSA key must have ${MIN_RSA_BITS} to ${MAX_RSA_BITS} bits`);
    // e = 1 (or any even e) lets anyone sign; huge exponents make verification slow
    if (exponent < 3n || exponent % 2n === 0n || exponent >= MAX_RSA_EXPONENT) throw refuse('algorithm', 'the DPoP proof RSA key has an unusable public exponent');
  }
  return {
    alg,
    jkt: sha256(JSON.stringify(required)),
    digest: algorithm.digest,
    key:
      algorithm.kty === 'EC'
        ? { key, dsaEncoding: 'ieee-p1363' }
        : algorithm.pss === true
          ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
          : { key },
    signatureLength: algorithm.signatureLength,
  };
}
