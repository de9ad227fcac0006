import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { sha256 } from './lib/hash.js';
import type { JsonValue } from './types.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** One AES-256 key: 32 bytes, given as base64 (or a Buffer), with an optional id (default: derived from the key). */
export type EncryptionKeyInput = string | Uint8Array | { readonly id?: string; readonly key: string | Uint8Array };

/** A sealed value as stored: AES-256-GCM, key id beside the ciphertext. */
export interface SealedValue {
  [key: string]: JsonValue;
  v: 1;
  kid: string;
  iv: string;
  ct: string;
  tag: string;
}

interface Key {
  readonly id: string;
  readonly enc: Buffer;
  readonly mac: Buffer;
}

/** Thrown when a sealed value cannot be opened: unknown key id, tampering, or a value moved to another key. */
export class DecryptionError extends Error {
  readonly code = 'ERR_DECRYPTION';
  constructor(message: string) {
    super(message);
    this.name = 'DecryptionError';
  }
}

function decodeKey(input: string | Uint8Array, option: string): Buffer {
  const text = typeof input === 'string' ? input.trim() : undefined;
  if (text !== undefined && !/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    throw new TypeError(`${option} must be 32 bytes, base64-encoded (e.g. \`openssl rand -base64 32\`)`);
  }
  const bytes = text !== undefined ? Buffer.from(text, 'base64') : Buffer.from(input as Uint8Array);
  if (bytes.length !== 32) throw new TypeError(`${option} must be 32 bytes, got ${bytes.length}`);
  return bytes;
}

function deriveKey(raw: Buffer, id: string | undefined): Key {
  const enc = Buffer.from(hkdfSync('sha256', raw, 'mcpgate', 'mcpgate:v1:aes-256-gcm', 32));
  const mac = Buffer.from(hkdfSync('sha256', raw, 'mcpgate', 'mcpgate:v1:hmac-sha256', 32));
  return { id: id ?? sha256(`mcpgate-key-id:${raw.toString('base64')}`).slice(0, 10), enc, mac };
}

/**
 * Seals token material at rest with AES-256-GCM. The first key seals; every key opens, so keys rotate
 * by putting the new key first and keeping the old ones until their values have been rewritten. The
 * additional authenticated data binds each value to its store key, so a sealed value copied under
 * another key does not open.
 *
 * @example
 * ```ts
 * const sealer = createSealer([process.env.NEW_KEY!, { id: 'k1', key: process.env.OLD_KEY! }]);
 * const sealed = sealer.seal({ accessToken: 'abc' }, 'vault:alice');
 * sealer.open(sealed, 'vault:alice'); // { accessToken: 'abc' }
 * ```
 */
export class Sealer {
  readonly #keys: Key[];
  readonly #byId: Map<string, Key>;

  constructor(keys: EncryptionKeyInput | readonly EncryptionKeyInput[], option = 'encryptionKey') {
    const list = Array.isArray(keys) ? (keys as readonly EncryptionKeyInput[]) : [keys as EncryptionKeyInput];
    if (list.length === 0) throw new TypeError(`${option} must name at least one key`);
    this.#keys = list.map((input, i) => {
      const name = list.length === 1 ? option : `${option}[${i}]`;
      if (typeof input === 'object' && !(input instanceof Uint8Array)) {
        if (input.id !== undefined && (typeof input.id !== 'string' || !/^[\w.-]{1,64}$/.test(input.id))) {
          throw new TypeError(`${name}.id must be 1-64 characters of [A-Za-z0-9_.-]`);
        }
        return deriveKey(decodeKey(input.key, `${name}.key`), input.id);
      }
      return deriveKey(decodeKey(input, name), undefined);
    });
    this.#byId = new Map(this.#keys.map((k) => [k.id, k]));
    if (this.#byId.size !== this.#keys.length) throw new TypeError(`${option}: two keys share one id`);
  }

  /** Id of the key new values are sealed with. */
  get currentKeyId(): string {
    return (this.#keys[0] as Key).id;
  }

  seal(value: JsonValue, aad: string): SealedValue {
    const key = this.#keys[0] as Key;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.enc, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(`${key.id}\n${aad}`));
    const ct = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return { v: 1, kid: key.id, iv: iv.toString('base64url'), ct: ct.toString('base64url'), tag: cipher.getAuthTag().toString('base64url') };
  }

  /** @throws DecryptionError when the value was tampered with, moved, or sealed with an unknown key. */
  open<T extends JsonValue = JsonValue>(sealed: unknown, aad: string): T {
    if (!isSealed(sealed)) throw new DecryptionError('not a sealed value');
    const key = this.#byId.get(sealed.kid);
    if (key === undefined) throw new DecryptionError(`no key with id ${sealed.kid}`);
    const iv = Buffer.from(sealed.iv, 'base64url');
    const tag = Buffer.from(sealed.tag, 'base64url');
    // GCM accepts shorter tags unless told otherwise: only the 16 bytes seal() writes are accepted
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new DecryptionError('sealed value failed authentication');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.enc, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(`${key.id}\n${aad}`));
      decipher.setAuthTag(tag);
      const plain = Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64url')), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as T;
    } catch {
      throw new DecryptionError('sealed value failed authentication');
    }
  }

  /** True when `sealed` was sealed with an older key and should be rewritten. */
  needsReseal(sealed: SealedValue): boolean {
    return sealed.kid !== this.currentKeyId;
  }

  /** HMAC-SHA256 (base64url) of a secret under the current key: the lookup key new records are written under. */
  lookupKey(secret: string): string {
    return hmac(this.#keys[0] as Key, secret);
  }

  /**
   * The lookup keys of a secret under every key, the current one first. A record written before a key
   * rotation is found under an older key's lookup key; read through them in order (and rewrite under the
   * first) so a rotation keeps every record reachable.
   */
  lookupKeys(secret: string): string[] {
    return this.#keys.map((key) => hmac(key, secret));
  }
}

function hmac(key: Key, secret: string): string {
  return createHmac('sha256', key.mac).update(secret).digest('base64url');
}

function isSealed(value: unknown): value is SealedValue {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v['v'] === 1 && typeof v['kid'] === 'string' && typeof v['iv'] === 'string' && typeof v['ct'] === 'string' && typeof v['tag'] === 'string';
}

/** Builds a {@link Sealer}; see its documentation. */
export function createSealer(keys: EncryptionKeyInput | readonly EncryptionKeyInput[]): Sealer {
  return new Sealer(keys);
}

/** A fresh random key, base64 (what `openssl rand -base64 32` prints). */
export function generateEncryptionKey(): string {
  return randomBytes(32).toString('base64');
}
