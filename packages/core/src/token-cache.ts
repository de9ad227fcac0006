import { BoundedMap } from './lib/bounded-map.js';
import { assertKnownOptions } from './lib/known-options.js';
import { numberOption } from './lib/option-values.js';
import type { Principal } from './types.js';

export interface TokenCacheOptions {
  /** Most tokens remembered; past it the least recently used (to the second) are evicted. Default 10,000. */
  readonly maxEntries?: number;
  /** Longest a verdict is kept, in milliseconds, however long the token lives. Default 5 minutes. */
  readonly maxTtlMs?: number;
}

interface Entry {
  readonly principal: Principal;
  readonly until: number;
  /** When the entry last moved to the young end; moves happen at most once a second (a move costs a delete + set). */
  touched: number;
}

/**
 * In-process cache of verified tokens, keyed by the SHA-256 of the token (never the token itself): a
 * repeat token costs a hash and a map lookup instead of a signature check or an introspection call.
 * A verdict never outlives the token's `exp`.
 */
export class VerifiedTokenCache {
  readonly #entries: BoundedMap<string, Entry>;
  readonly #maxEntries: number;
  readonly #maxTtlMs: number;

  constructor(options: TokenCacheOptions = {}) {
    assertKnownOptions(options, ['maxEntries', 'maxTtlMs'], 'tokenCache');
    this.#maxEntries = numberOption(options.maxEntries, 'tokenCache.maxEntries', 10_000, { sign: 'non-negative', integer: true });
    this.#maxTtlMs = numberOption(options.maxTtlMs, 'tokenCache.maxTtlMs', 5 * 60_000, { sign: 'non-negative', unit: 'milliseconds' });
    this.#entries = new BoundedMap(Math.max(1, this.#maxEntries));
  }

  get size(): number {
    return this.#entries.size;
  }

  get(tokenHash: string, now = Date.now()): Principal | undefined {
    const entry = this.#entries.get(tokenHash);
    if (entry === undefined) return undefined;
    if (entry.until <= now) {
      this.#entries.delete(tokenHash);
      return undefined;
    }
    if (now - entry.touched >= 1_000) {
      entry.touched = now;
      this.#entries.delete(tokenHash);
      this.#entries.set(tokenHash, entry);
    }
    return entry.principal;
  }

  /** Remembers a verdict until the token's `exp`, `maxTtlMs` from now, or `notAfter` (ms), whichever comes first. */
  set(tokenHash: string, principal: Principal, now = Date.now(), notAfter = Infinity): void {
    if (this.#maxEntries === 0) return;
    const until = Math.min(principal.expiresAt * 1000, now + this.#maxTtlMs, notAfter);
    if (until <= now) return;
    this.#entries.delete(tokenHash);
    this.#entries.set(tokenHash, { principal, until, touched: now });
  }

  delete(tokenHash: string): void {
    this.#entries.delete(tokenHash);
  }

  clear(): void {
    this.#entries.clear();
  }
}
