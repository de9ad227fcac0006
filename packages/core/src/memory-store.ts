import { assertKnownOptions } from './lib/known-options.js';
import { loggerOption, numberOption } from './lib/option-values.js';
import type { JsonValue, Logger, Store } from './types.js';

export interface MemoryStoreOptions {
  /**
   * Most live entries kept per kind of record (the key's first segment: sessions, DPoP proof markers, rate
   * buckets, upstream credentials…). Default 100,000. When a kind is full, expired entries are dropped; if
   * none has expired, the write fails (answered 503), so a flood of one kind never evicts another's records,
   * and a live DPoP proof marker or session binding is never evicted. Rate buckets alone evict their least
   * recently written (a forgotten bucket only grants its owner a fresh burst).
   */
  readonly maxEntries?: number;
  /** Warned once at construction when `NODE_ENV=production`. Default `console`. */
  readonly logger?: Logger;
  /** A store used only as a cache (nothing in it is a security record): every full kind evicts its least recently written. Default false. */
  readonly evictOldest?: boolean;
}

interface Entry {
  readonly json: string;
  readonly expiresAt: number;
}

interface Partition {
  readonly entries: Map<string, Entry>;
  /** Whether losing the oldest entries only loosens a count (rate buckets): then a full partition evicts them. */
  readonly evictable: boolean;
  /** No sweep for expired entries before this time (a sweep of a full partition that freed nothing is not repeated at once). */
  nextSweep: number;
}

const SCHEMA = 'mcpgate:v1:';
/** Kinds beyond this many share one partition (keys are the application's, but bound the bookkeeping anyway). */
const MAX_KINDS = 64;
const SWEEP_BACKOFF_MS = 1_000;
/**
 * Kinds a full partition makes room in by evicting the least recently written: a forgotten rate bucket
 * only gives its owner a fresh burst (and a flood of buckets must not refuse every user's next request).
 */
const EVICTABLE_KINDS: ReadonlySet<string> = new Set(['ratelimit']);

/**
 * Stores made by {@link memoryStore}, with their methods as made: while a method is still the one made
 * here, it answers from this process's memory and cannot hang, so it needs no time limit.
 */
export const IN_PROCESS_STORES = new WeakMap<Store, Readonly<Store>>();

/**
 * The default store: an in-process map with TTLs, bounded per kind of record. Nothing survives a restart
 * and nothing is shared between instances, so production deployments should use
 * `@mcpgate/store-sqlite` or `@mcpgate/store-redis`.
 *
 * A full kind refuses new keys rather than evicting live ones: evicting a DPoP proof's replay marker
 * would accept the proof again, and evicting a session binding would forget its user. Rate buckets are the
 * exception: they evict their least recently written, so that a flood of buckets refuses nobody else.
 *
 * @example
 * ```ts
 * const auth = createMcpAuth({ ..., store: memoryStore({ maxEntries: 10_000 }) });
 * ```
 */
export function memoryStore(options: MemoryStoreOptions = {}): Store {
  assertKnownOptions(options, ['maxEntries', 'logger', 'evictOldest'], 'memoryStore');
  if (options.evictOldest !== undefined && typeof options.evictOldest !== 'boolean') throw new TypeError('memoryStore: evictOldest must be a boolean');
  const evictOldest = options.evictOldest === true;
  const maxEntries = numberOption(options.maxEntries, 'maxEntries', 100_000, { sign: 'positive', integer: true });
  const logger = loggerOption(options.logger);
  if (process.env['NODE_ENV'] === 'production') {
    logger.warn(
      '[mcpgate] memoryStore in production: session bindings and credentials are lost on restart and not shared between instances',
    );
  }
  const partitions = new Map<string, Partition>();

  const partitionOf = (key: string, create: boolean): Partition | undefined => {
    const from = key.startsWith(SCHEMA) ? SCHEMA.length : 0;
    const colon = key.indexOf(':', from);
    let kind = colon === -1 ? '' : key.slice(from, colon);
    if (!partitions.has(kind) && partitions.size >= MAX_KINDS) kind = '\0overflow';
    let partition = partitions.get(kind);
    if (partition === undefined && create) partitions.set(kind, (partition = { entries: new Map(), evictable: evictOldest || EVICTABLE_KINDS.has(kind), nextSweep: 0 }));
    return partition;
  };
  const live = (key: string): Entry | undefined => {
    const entries = partitionOf(key, false)?.entries;
    const entry = entries?.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= Date.now()) {
      entries?.delete(key);
      return undefined;
    }
    return entry;
  };
  const put = (key: string, value: JsonValue, ttlMs: number | undefined): void => {
    const json = JSON.stringify(value);
    const partition = partitionOf(key, true) as Partition;
    const { entries } = partition;
    const now = Date.now();
    if (partition.evictable) entries.delete(key); // keep the partition in write order
    if (!entries.has(key) && entries.size >= maxEntries) {
      if (now >= partition.nextSweep) {
        for (const [k, entry] of entries) if (entry.expiresAt <= now) entries.delete(k);
        if (entries.size >= maxEntries) partition.nextSweep = now + SWEEP_BACKOFF_MS;
      }
      if (entries.size >= maxEntries && partition.evictable) {
        // a batch amortises the walk over the tombstones V8 leaves at the front of a Map
        let excess = Math.max(1, Math.ceil(maxEntries / 64));
        for (const oldest of entries.keys()) {
          if (excess-- <= 0) break;
          entries.delete(oldest);
        }
      }
      if (entries.size >= maxEntries) throw new Error(`memory store full: ${maxEntries} live records of this kind (maxEntries)`);
    }
    entries.set(key, { json, expiresAt: ttlMs === undefined ? Infinity : now + ttlMs });
  };
  const remove = (key: string): void => {
    partitionOf(key, false)?.entries.delete(key);
  };

  const store: Store = {
    kind: 'memory',
    persistent: false,
    async get<T extends JsonValue>(key: string) {
      const entry = live(key);
      return entry === undefined ? undefined : (JSON.parse(entry.json) as T);
    },
    async set(key, value, ttlMs) {
      put(key, value, ttlMs);
    },
    async delete(key) {
      const had = live(key) !== undefined;
      remove(key);
      return had;
    },
    async add(key, value, ttlMs) {
      if (live(key) !== undefined) return false;
      put(key, value, ttlMs);
      return true;
    },
    async setIfEquals(key, expected, value, ttlMs) {
      const entry = live(key);
      if (entry === undefined || entry.json !== JSON.stringify(expected)) return false;
      put(key, value, ttlMs);
      return true;
    },
    async deleteIfEquals(key, expected) {
      const entry = live(key);
      if (entry === undefined || entry.json !== JSON.stringify(expected)) return false;
      remove(key);
      return true;
    },
    async close() {
      partitions.clear();
    },
  };
  IN_PROCESS_STORES.set(store, { ...store });
  return store;
}
