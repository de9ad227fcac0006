import { randomUUID } from 'node:crypto';
import type { Sealer } from '@mcpgate/core';
import type { JsonValue, Principal, Store, UpstreamTokenSet } from '@mcpgate/core';
import { assertKnownOptions, numberOption, sealerOption, sha256, storeOption } from '@mcpgate/core/internal';

/** Who a set of upstream tokens belongs to: the issuer and subject of the MCP principal. */
export type PrincipalRef = Pick<Principal, 'issuer' | 'subject'>;

/** Options of {@link CredentialVault}. */
export interface CredentialVaultOptions {
  /** Where the sets live: pass `auth.store` (already namespaced and bounded by timeouts). */
  readonly store: Store;
  /** Seals every set at rest (pass `auth.sealer`); required with a persistent store. */
  readonly sealer?: Sealer | undefined;
  /** Lifetime of the short lock taken to rewrite a set sealed with an older key, in milliseconds. Default 15,000. */
  readonly lockTtlMs?: number | undefined;
  /** Told (without token bytes) when a stored set cannot be opened. Default `console.warn`. */
  readonly warn?: ((message: string) => void) | undefined;
}

const OPTION_KEYS = Object.keys({ store: true, sealer: true, lockTtlMs: true, warn: true } satisfies Record<keyof CredentialVaultOptions, true>);

/** One stored set as read, with what the refresh protocol needs besides the tokens. */
export interface VaultEntry {
  readonly set: UpstreamTokenSet;
  /** When the set was obtained, seconds since the epoch. */
  readonly obtainedAt: number;
  /** The value exactly as stored (sealed or plain): what `deleteIfUnchanged` compares against. */
  readonly raw: JsonValue;
}

/**
 * Upstream token sets keyed by principal (issuer + subject). Store key `upstream:<sha256(issuer \n
 * subject)>`; with a sealer the value is sealed with that key as additional authenticated data, so a
 * value copied under another user's key does not open. A value sealed with an older key is rewritten
 * with the current key when read (under the per-principal lock, so it never overwrites a newer set).
 *
 * @example
 * ```ts
 * const vault = new CredentialVault({ store: auth.store, sealer: auth.sealer });
 * await vault.put(principal, { accessToken: 'at', tokenType: 'Bearer', refreshToken: 'rt', expiresAt: 1767225600 });
 * const set = await vault.get(principal); // undefined when the user never connected
 * ```
 */
export class CredentialVault {
  readonly #store: Store;
  readonly #sealer: Sealer | undefined;
  readonly #lockTtlMs: number;
  readonly #warn: (message: string) => void;

  constructor(options: CredentialVaultOptions) {
    assertKnownOptions(options, OPTION_KEYS, 'CredentialVault');
    this.#store = storeOption(options.store, 'store');
    this.#sealer = sealerOption(options.sealer, 'sealer', this.#store, 'upstream tokens are sealed at rest');
    this.#lockTtlMs = numberOption(options.lockTtlMs, 'lockTtlMs', 15_000, { sign: 'positive', unit: 'milliseconds' });
    this.#warn = options.warn ?? ((message) => console.warn(message));
  }

  /** The store key of a principal's set: `upstream:<sha256(issuer \n subject)>`. */
  static keyOf(principal: PrincipalRef): string {
    return `upstream:${principalHash(principal)}`;
  }

  /** The store key of a principal's refresh lock: `upstream-lock:<sha256(issuer \n subject)>`. */
  static lockKeyOf(principal: PrincipalRef): string {
    return `upstream-lock:${principalHash(principal)}`;
  }

  /** The store key of a principal's last device authorization outcome: `upstream-outcome:<sha256(issuer \n subject)>`. */
  static outcomeKeyOf(principal: PrincipalRef): string {
    return `upstream-outcome:${principalHash(principal)}`;
  }

  /** The principal's set, or undefined when there is none (or it cannot be opened). */
  async get(principal: PrincipalRef): Promise<UpstreamTokenSet | undefined> {
    return (await this.read(principal))?.set;
  }

  /** Like {@link CredentialVault.get}, with the stored value and the time the set was obtained. */
  async read(principal: PrincipalRef): Promise<VaultEntry | undefined> {
    const key = CredentialVault.keyOf(principal);
    const raw = await this.#store.get(key);
    if (raw === undefined) return undefined;
    const entry = this.#decode(raw, key);
    if (entry !== undefined && this.#sealer !== undefined && this.#sealer.needsReseal(raw as never)) {
      await this.#reseal(principal, key, entry);
    }
    return entry;
  }

  /** Stores (replaces) the principal's set; `obtainedAt` in seconds since the epoch, default now. */
  async put(principal: PrincipalRef, set: UpstreamTokenSet, obtainedAt = Date.now() / 1000): Promise<void> {
    const key = CredentialVault.keyOf(principal);
    await this.#store.set(key, this.#encode(key, set, obtainedAt));
  }

  /** Forgets the principal's set; resolves true when there was one. */
  delete(principal: PrincipalRef): Promise<boolean> {
    return this.#store.delete(CredentialVault.keyOf(principal));
  }

  /** Forgets the principal's set only if it is still exactly the value `entry` was read from. */
  deleteIfUnchanged(principal: PrincipalRef, entry: VaultEntry): Promise<boolean> {
    return this.#store.deleteIfEquals(CredentialVault.keyOf(principal), entry.raw);
  }

  #encode(key: string, set: UpstreamTokenSet, obtainedAt: number): JsonValue {
    const record: JsonValue = { v: 1, obtainedAt, set: toJson(set) };
    return this.#sealer === undefined ? record : this.#sealer.seal(record, key);
  }

  #decode(raw: JsonValue, key: string): VaultEntry | undefined {
    let record: unknown = raw;
    if (this.#sealer !== undefined) {
      try {
        record = this.#sealer.open(raw, key);
      } catch (error) {
        this.#warn(`[mcpgate] an upstream token set cannot be opened (${(error as Error).message}); the user must connect again`);
        return undefined;
      }
    }
    const set = fromJson(record);
    if (set === undefined) {
      this.#warn('[mcpgate] an upstream token set in the store is malformed; the user must connect again');
      return undefined;
    }
    return { set, obtainedAt: (record as { obtainedAt: number }).obtainedAt, raw };
  }

  async #reseal(principal: PrincipalRef, key: string, entry: VaultEntry): Promise<void> {
    const lockKey = CredentialVault.lockKeyOf(principal);
    const owner = randomUUID();
    try {
      if (!(await this.#store.add(lockKey, owner, this.#lockTtlMs))) return;
      try {
        const current = await this.#store.get(key);
        if (JSON.stringify(current) === JSON.stringify(entry.raw)) {
          await this.#store.set(key, this.#encode(key, entry.set, entry.obtainedAt));
        }
      } finally {
        await this.#store.deleteIfEquals(lockKey, owner);
      }
    } catch {
      // Rewriting is an optimisation; the old key still opens the value.
    }
  }
}

function principalHash(principal: PrincipalRef): string {
  if (typeof principal?.issuer !== 'string' || typeof principal.subject !== 'string' || principal.subject === '') {
    throw new TypeError('principal must have a string issuer and a non-empty subject');
  }
  return sha256(`${principal.issuer}\n${principal.subject}`);
}

function toJson(set: UpstreamTokenSet): JsonValue {
  const out: Record<string, JsonValue> = { accessToken: set.accessToken, tokenType: set.tokenType };
  if (set.refreshToken !== undefined) out['refreshToken'] = set.refreshToken;
  if (set.expiresAt !== undefined) out['expiresAt'] = set.expiresAt;
  if (set.scope !== undefined) out['scope'] = set.scope;
  if (set.idToken !== undefined) out['idToken'] = set.idToken;
  return out;
}

function fromJson(record: unknown): UpstreamTokenSet | undefined {
  if (typeof record !== 'object' || record === null) return undefined;
  const { v, obtainedAt, set } = record as Record<string, unknown>;
  if (v !== 1 || typeof obtainedAt !== 'number' || typeof set !== 'object' || set === null) return undefined;
  const s = set as Record<string, unknown>;
  if (typeof s['accessToken'] !== 'string' || typeof s['tokenType'] !== 'string') return undefined;
  for (const name of ['refreshToken', 'scope', 'idToken']) if (s[name] !== undefined && typeof s[name] !== 'string') return undefined;
  if (s['expiresAt'] !== undefined && typeof s['expiresAt'] !== 'number') return undefined;
  return s as unknown as UpstreamTokenSet;
}
