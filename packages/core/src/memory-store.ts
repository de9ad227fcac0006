import { BoundedMap } from './lib/bounded-map.js';
import { assertKnownOptions } from './lib/known-options.js';
import { loggerOption, numberOption } from './lib/option-values.js';
import type { JsonValue, Logger, Store } from './types.js';

export interface MemoryStoreOptions {
  /** Most entries kept; past it the least recently written are evicted (in small batches). Default 100,000. */
  readonly maxEntries?: number;
  /** Warned once at construction when `NODE_ENV=production`. Default `console`. */
  readonly logger?: Logger;
}

interface Entry {
  readonly json: string;
  readonly expiresAt: number;
}

/**
 * The default store: a bounded in-process map with TTLs. Nothing survives a restart and nothing is
 * shared between instances, so production deployments should use `@mcpgate/store-sqlite` or
 * `@mcpgate/store-redis`.
 *
 * @example
 * ```ts
 * const auth = createMcpAuth({ ..., store: memoryStore({ maxEntries: 10_000 }) });
 * ```
 */
export function memoryStore(options: MemoryStoreOptions = {}): Store {
  assertKnownOptions(options, ['maxEntries', 'logger'], 'memoryStore');
  const maxEntries = numberOption(options.maxEntries, 'maxEntries', 100_000, { sign: 'positive', integer: true });
  const logger = loggerOption(options.logger);
  if (process.env['NODE_ENV'] === 'production') {
    logger.warn(
      '[mcpgate] memoryStore in production: session bindings and credentials are lost on restart and not shared between instances',
    );
  }
  const entries = new BoundedMap<string, Entry>(maxEntries);

  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  const put = (key: string, value: JsonValue, ttlMs: number | undefined): void => {
    entries.delete(key);
    entries.set(key, { json: JSON.stringify(value), expiresAt: ttlMs === undefined ? Infinity : Date.now() + ttlMs });
  };

  return {
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
      entries.delete(key);
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
      entries.delete(key);
      return true;
    },
    async close() {
      entries.clear();
    },
  };
}
