import type { JsonValue, Store } from '@mcpgate/core';
import { adapterOf, openConnection } from './lib/connection.js';
import type { Connection } from './lib/connection.js';
import { prepareFile } from './lib/file.js';
import { withBusyRetry } from './lib/retry.js';
import { statements } from './lib/statements.js';
import { resolveOptions } from './options.js';
import type { SqliteStoreOptions } from './options.js';

const expiryOf = (ttlMs: number | undefined, name: string): number | null => {
  if (ttlMs === undefined) return null;
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new TypeError(`sqliteStore: ${name} ttlMs must be a positive number of milliseconds`);
  return Date.now() + Math.ceil(ttlMs);
};

/**
 * A {@link Store} in one SQLite file, shared safely by several processes on the same host: WAL mode,
 * bounded asynchronous retry on `SQLITE_BUSY` (opening included), and a sweeper that deletes expired rows. `add`,
 * `deleteIfEquals` and `setIfEquals` are single conditional statements, so they are atomic across processes. A new file is
 * created with mode 0600; an existing one others can read is used, with one warning through `logger`.
 *
 * @example
 * ```ts
 * import { createMcpAuth } from '@mcpgate/core';
 * import { sqliteStore } from '@mcpgate/store-sqlite';
 *
 * const auth = createMcpAuth({ ..., store: sqliteStore('sqlite://./data/mcpgate.sqlite'), encryptionKey });
 * ```
 */
export function sqliteStore(uriOrOptions: string | SqliteStoreOptions): Store {
  const options = resolveOptions(uriOrOptions);
  const adapter = adapterOf(options);
  const sql = statements(options.table);
  const prefixed = (key: string): string => options.keyPrefix + key;
  let opening: Promise<Connection> | undefined;
  let closed = false;
  let warned = false;

  const open = async (): Promise<Connection> => {
    const warning = await prepareFile(options.path);
    if (warning !== undefined && !warned) {
      warned = true;
      options.logger.warn(warning);
    }
    return openConnection(options, adapter, sql.schema);
  };
  const connect = (): Promise<Connection> => {
    if (closed) return Promise.reject(new Error('sqlite store: closed'));
    opening ??= open().catch((error: unknown) => {
      opening = undefined;
      throw error;
    });
    return opening;
  };
  const run = async (statement: string, ...params: unknown[]): Promise<Array<Record<string, unknown>>> => {
    const connection = await connect();
    return withBusyRetry(options.busyTimeoutMs, () => connection.query(statement, ...params));
  };

  const sweeper = setInterval(() => {
    if (opening !== undefined) run(sql.sweep, Date.now()).catch(() => {});
  }, options.sweepIntervalMs);
  sweeper.unref();

  return {
    kind: 'sqlite',
    persistent: true,
    async get<T extends JsonValue>(key: string) {
      const [row] = await run(sql.get, prefixed(key), Date.now());
      return row === undefined ? undefined : (JSON.parse(row['value'] as string) as T);
    },
    async set(key, value, ttlMs) {
      await run(sql.set, prefixed(key), JSON.stringify(value), expiryOf(ttlMs, 'set'));
    },
    async delete(key) {
      const now = Date.now();
      const [row] = await run(sql.delete, prefixed(key));
      if (row === undefined) return false;
      const expiresAt = row['expires_at'];
      return expiresAt === null || (expiresAt as number) > now;
    },
    async add(key, value, ttlMs) {
      const expiresAt = expiryOf(ttlMs, 'add');
      const rows = await run(sql.add, prefixed(key), JSON.stringify(value), expiresAt, Date.now());
      return rows.length > 0;
    },
    async deleteIfEquals(key, expected) {
      const rows = await run(sql.deleteIfEquals, prefixed(key), JSON.stringify(expected), Date.now());
      return rows.length > 0;
    },
    async setIfEquals(key, expected, value, ttlMs) {
      const expiresAt = expiryOf(ttlMs ?? Number.NaN, 'setIfEquals');
      const rows = await run(sql.setIfEquals, JSON.stringify(value), expiresAt, prefixed(key), JSON.stringify(expected), Date.now());
      return rows.length > 0;
    },
    async close() {
      clearInterval(sweeper);
      if (closed) return;
      closed = true;
      const connection = await opening?.catch(() => undefined);
      opening = undefined;
      await connection?.close();
    },
  };
}
