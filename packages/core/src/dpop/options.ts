import { createSealer, generateEncryptionKey, type Sealer } from '../encryption.js';
import { assertKnownOptions } from '../lib/known-options.js';
import { booleanOption, numberOption } from '../lib/option-values.js';
import { dpopNonces, type DpopNonces } from './nonce.js';

/** Which tokens the resource accepts: `Bearer` only, both, or only DPoP-bound tokens with a proof. */
export type DpopMode = 'off' | 'allowed' | 'required';

/** DPoP settings of `createMcpAuth`. Unknown keys throw a `TypeError`. */
export interface DpopOptions {
  readonly mode: DpopMode;
  /** JWS algorithms accepted for proofs (asymmetric only). Default: every one listed in {@link DPOP_ALGORITHMS}. */
  readonly algorithms?: readonly string[];
  /** How far a proof's `iat` may be from now, either way, in seconds. Default 300 (the MCP DPoP profile's ±5 minutes). */
  readonly proofMaxAgeSeconds?: number;
  /**
   * Require server-provided nonces (RFC 9449 §9): a proof without a current nonce is answered 401
   * `use_dpop_nonce` with a fresh `DPoP-Nonce`. Nonces are stateless (an HMAC of the minute under the key
   * ring's current key), shared by instances with the same key. Default false.
   */
  readonly requireNonce?: boolean;
}

/** Every asymmetric JWS algorithm mcpgate verifies proofs with (RFC 9449 §4.3 check 5: never `none`, never a MAC). */
export const DPOP_ALGORITHMS: readonly string[] = Object.freeze(['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512', 'EdDSA', 'Ed25519']);

export interface ResolvedDpop {
  readonly mode: DpopMode;
  readonly algorithms: readonly string[];
  readonly maxAgeSeconds: number;
  readonly nonces: DpopNonces | undefined;
}

const MODES: readonly string[] = ['off', 'allowed', 'required'];

/** Checks the `dpop` option; `sealer` (the key ring) keys the nonces, else a key made for this process. */
export function resolveDpop(value: DpopMode | DpopOptions | undefined, sealer: Sealer | undefined): ResolvedDpop {
  const options: DpopOptions = typeof value === 'string' || value === undefined ? { mode: value ?? 'allowed' } : value;
  assertKnownOptions(options, ['mode', 'algorithms', 'proofMaxAgeSeconds', 'requireNonce'], 'dpop');
  if (!MODES.includes(options.mode)) throw new TypeError(`dpop must be 'off', 'allowed' or 'required' (or { mode, ... }), got ${JSON.stringify(options.mode)}`);
  const algorithms = options.algorithms ?? DPOP_ALGORITHMS;
  if (!Array.isArray(algorithms) || algorithms.length === 0 || !algorithms.every((alg) => DPOP_ALGORITHMS.includes(alg))) {
    throw new TypeError(`dpop.algorithms must be a non-empty list of ${DPOP_ALGORITHMS.join(', ')} (asymmetric only)`);
  }
  const requireNonce = booleanOption(options.requireNonce, 'dpop.requireNonce', false);
  return {
    mode: options.mode,
    algorithms: [...new Set(algorithms)],
    maxAgeSeconds: numberOption(options.proofMaxAgeSeconds, 'dpop.proofMaxAgeSeconds', 300, { sign: 'positive', unit: 'seconds' }),
    nonces: requireNonce && options.mode !== 'off' ? dpopNonces(sealer ?? createSealer(generateEncryptionKey())) : undefined,
  };
}
