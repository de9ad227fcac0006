import type { JsonValue, Sealer, Store } from '@mcpgate/core';
import { withDeadline } from '@mcpgate/core/internal';

/** What is cached per token hash: the answer's claims (never the token), and when it was obtained (seconds). */
export type Verdict = { readonly active: false } | { readonly active: true; readonly at: number; readonly claims: Readonly<Record<string, JsonValue>> };

/** What is stored: the verdict and its own expiry (milliseconds since the epoch), sealed when a sealer is configured. */
interface Entry {
  readonly verdict: Verdict;
  readonly until: number;
}

const PREFIX = 'mcpgate:v1:introspection:';

class CacheTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

function isVerdict(value: unknown): value is Verdict {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (v['active'] === false) return true;
  return v['active'] === true && typeof v['at'] === 'number' && typeof v['claims'] === 'object' && v['claims'] !== null && !Array.isArray(v['claims']);
}

function isEntry(value: unknown): value is Entry {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  return typeof e['until'] === 'number' && Number.isFinite(e['until']) && isVerdict(e['verdict']);
}

export interface VerdictCacheOptions {
  readonly store: Store;
  /** Seals entries, bound to their full store key; absent only for a non-persistent store. */
  readonly sealer: Sealer | undefined;
  /** Longest one store call may take, in milliseconds. */
  readonly timeoutMs: number;
  /** One warning per kind of store failure. */
  readonly warn: (message: string) => void;
  /** Rate-limited warnings (entries that fail to open). */
  readonly warnThrottled: (kind: string, message: string) => void;
}

/**
 * The introspection answers kept in a core {@link Store}. With a sealer, each entry is sealed with
 * AES-256-GCM and its full key (which holds the token's SHA-256) as additional authenticated data, so an
 * entry written by anyone else, or moved from another token's key, does not open. Each entry carries
 * its own expiry, checked on read, so a replayed old entry is not reused past it. Anything that does not
 * open, is not sealed, or has expired is a cache miss. A failing or slow store never fails a request:
 * reads fall through to introspection and writes are dropped, with one warning per kind of failure.
 */
export class VerdictCache {
  readonly #options: VerdictCacheOptions;
  readonly #warned = new Set<string>();

  constructor(options: VerdictCacheOptions) {
    this.#options = options;
  }

  async get(tokenHash: string): Promise<Verdict | undefined> {
    const key = PREFIX + tokenHash;
    const value = await this.#bounded('get', () => this.#options.store.get(key));
    if (value === undefined) return undefined;
    const entry = this.#open(value, key);
    if (entry === undefined || entry.until <= Date.now()) return undefined;
    return entry.verdict;
  }

  async set(tokenHash: string, verdict: Verdict, ttlMs: number): Promise<void> {
    if (!(ttlMs > 0)) return;
    const key = PREFIX + tokenHash;
    const ttl = Math.ceil(ttlMs);
    const entry = { verdict, until: Date.now() + ttl } as JsonValue;
    const { sealer } = this.#options;
    await this.#bounded('set', () => this.#options.store.set(key, sealer === undefined ? entry : sealer.seal(entry, key), ttl));
  }

  #open(value: JsonValue, key: string): Entry | undefined {
    const { sealer, store, warnThrottled } = this.#options;
    let entry: unknown = value;
    if (sealer !== undefined) {
      try {
        entry = sealer.open(value, key);
      } catch {
        warnThrottled(
          'unsealed',
          `[mcpgate] introspection cache (${store.kind}) holds an entry that is not sealed, or does not open with this key and store key; ignored it and introspected (entries written by an older version are expected once; otherwise someone else writes to this store)`,
        );
        return undefined;
      }
    }
    if (isEntry(entry)) return entry;
    warnThrottled('malformed', `[mcpgate] introspection cache (${store.kind}) holds an entry of an unknown shape; ignored it and introspected`);
    return undefined;
  }

  #bounded<T>(op: string, run: () => Promise<T>): Promise<T | undefined> {
    const { store, timeoutMs, warn } = this.#options;
    return withDeadline(timeoutMs, run, () => new CacheTimeout(timeoutMs)).catch((error: unknown) => {
      if (!this.#warned.has(op)) {
        this.#warned.add(op);
        const detail = error instanceof CacheTimeout ? error.message : error instanceof Error ? error.name : 'error';
        warn(`[mcpgate] introspection cache (${store.kind}) ${op} failed (${detail}); introspecting without the cache`);
      }
      return undefined;
    });
  }
}
