import type { Sealer } from './encryption.js';
import { assertKnownOptions } from './lib/known-options.js';
import { numberOption } from './lib/option-values.js';
import type { JsonValue, Principal } from './types.js';

/** Who a sealed state belongs to: the issuer and subject of a principal. */
export type StateOwner = Pick<Principal, 'issuer' | 'subject'>;

/** Options of {@link createStateCodec}. */
export interface StateCodecOptions {
  /** The key ring: `auth.sealer`, or `createSealer(keys)`. The first key seals, every key opens (rotation). */
  readonly sealer: Sealer;
  /** How long a sealed state stays valid, in seconds, unless `seal` says otherwise. Default 600. */
  readonly ttlSeconds?: number;
}

/** What a state is for (a tool, a method): a state sealed for one purpose does not open for another. */
export interface StatePurpose {
  /** A label, e.g. the tool name or `tools/call`. Default `''`. */
  readonly purpose?: string;
}

/**
 * Seals server state that travels through the client and comes back: 2026-07-28 `requestState`, or a
 * state handle a tool returns and takes again. Encrypted and authenticated (AES-256-GCM on the key ring),
 * bound to the principal's issuer and subject and to a purpose, with an expiry inside the sealed part.
 * A state presented by another principal, for another purpose, after its expiry, or altered in any way
 * is refused: possession of a state is never authentication, and its content is never readable by the
 * client.
 */
export interface StateCodec {
  /** A compact, URL-safe string carrying `value` for `owner` only. */
  seal(value: JsonValue, owner: StateOwner, options?: StatePurpose & { readonly ttlSeconds?: number }): string;
  /** The value sealed for `owner` and this purpose. @throws InvalidStateError */
  open<T extends JsonValue = JsonValue>(state: string, owner: StateOwner, options?: StatePurpose): T;
}

/** Why a state was refused. `invalid`: altered, sealed with an unknown key, or sealed for another owner or purpose. */
export type InvalidStateReason = 'malformed' | 'invalid' | 'expired';

/** A sealed state that may not be used. Answer it as a failed request (the client cannot repair it). */
export class InvalidStateError extends Error {
  readonly code = 'ERR_INVALID_STATE';
  readonly reason: InvalidStateReason;

  constructor(reason: InvalidStateReason) {
    super(reason === 'expired' ? 'the state has expired' : 'the state is not valid for this user');
    this.name = 'InvalidStateError';
    this.reason = reason;
  }
}

const VERSION = 's1';
const PART = /^[A-Za-z0-9_-]+$/;
const MAX_STATE_LENGTH = 64 * 1024;

/**
 * A {@link StateCodec} on mcpgate's key ring.
 *
 * @example
 * ```ts
 * const states = createStateCodec({ sealer: auth.sealer! });
 * const handle = states.seal({ draft: 42 }, principalOf(extra), { purpose: 'drafts' });
 * // later, in another call:
 * const { draft } = states.open<{ draft: number }>(handle, principalOf(extra), { purpose: 'drafts' });
 * ```
 */
export function createStateCodec(options: StateCodecOptions): StateCodec {
  assertKnownOptions(options, ['sealer', 'ttlSeconds'], 'createStateCodec');
  const sealer = options.sealer as Partial<Sealer> | undefined;
  if (typeof sealer?.seal !== 'function' || typeof sealer.open !== 'function') {
    throw new TypeError('createStateCodec: sealer must be a Sealer (auth.sealer, which needs encryptionKey, or createSealer(key))');
  }
  const defaultTtl = numberOption(options.ttlSeconds, 'ttlSeconds', 600, { sign: 'positive', unit: 'seconds' });

  return {
    seal(value, owner, sealOptions = {}) {
      const ttl = numberOption(sealOptions.ttlSeconds, 'ttlSeconds', defaultTtl, { sign: 'positive', unit: 'seconds' });
      const sealed = (sealer as Sealer).seal({ v: value, exp: Math.floor(Date.now() / 1000) + ttl }, aad(owner, sealOptions.purpose));
      return [VERSION, sealed.kid, sealed.iv, sealed.ct, sealed.tag].join('.');
    },
    open<T extends JsonValue>(state: string, owner: StateOwner, openOptions: StatePurpose = {}): T {
      if (typeof state !== 'string' || state.length > MAX_STATE_LENGTH) throw new InvalidStateError('malformed');
      const parts = state.split('.');
      // the key id may itself contain dots: iv, ciphertext and tag are the last three parts
      if (parts.length < 5 || parts[0] !== VERSION) throw new InvalidStateError('malformed');
      const [iv, ct, tag] = parts.slice(-3) as [string, string, string];
      const kid = parts.slice(1, -3).join('.');
      // canonical base64url only: one string per state (no trailing bits to vary)
      if (![iv, ct, tag].every((part) => PART.test(part) && Buffer.from(part, 'base64url').toString('base64url') === part)) {
        throw new InvalidStateError('malformed');
      }
      let payload: unknown;
      try {
        payload = (sealer as Sealer).open({ v: 1, kid, iv, ct, tag }, aad(owner, openOptions.purpose));
      } catch {
        throw new InvalidStateError('invalid');
      }
      const { v, exp } = payload as { v?: JsonValue; exp?: unknown };
      if (typeof exp !== 'number' || exp <= Date.now() / 1000) throw new InvalidStateError('expired');
      return v as T;
    },
  };
}

function aad(owner: StateOwner, purpose: string | undefined): string {
  if (typeof owner?.issuer !== 'string' || typeof owner.subject !== 'string' || owner.subject === '') {
    throw new TypeError('a state needs its owner: a principal with issuer and subject');
  }
  if (purpose !== undefined && typeof purpose !== 'string') throw new TypeError('purpose must be a string');
  return JSON.stringify(['mcpgate:state', VERSION, purpose ?? '', owner.issuer, owner.subject]);
}
