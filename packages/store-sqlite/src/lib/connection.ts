import type { EventEmitter } from 'node:events';
import KeyvSqlite from '@keyv/sqlite';
import type { ResolvedSqliteOptions } from '../options.js';
import { NATIVE_BUSY_TIMEOUT_MS, withBusyRetry } from './retry.js';

export type Query = (sql: string, ...params: unknown[]) => Promise<Array<Record<string, unknown>>>;

export interface Connection {
  readonly query: Query;
  close(): Promise<void>;
}

const isAdapter = (store: unknown): store is KeyvSqlite =>
  typeof (store as KeyvSqlite | null)?.query === 'function' && typeof (store as KeyvSqlite).close === 'function';

export function adapterOf(options: ResolvedSqliteOptions): KeyvSqlite | undefined {
  if (options.keyv === undefined) return undefined;
  const store: unknown = options.keyv.store;
  if (!isAdapter(store)) throw new TypeError('sqliteStore: keyv must be a Keyv whose store is @keyv/sqlite');
  return store;
}

/**
 * A new `@keyv/sqlite` adapter, once its own setup (open, `CREATE TABLE keyv`) succeeded. That setup runs in
 * its constructor and, when it fails (e.g. `SQLITE_BUSY`), rejects every later query of that adapter and emits
 * `error`: such an adapter is dropped (sqlite3 closes its handle when it is collected) and the caller retries.
 */
async function openAdapter(path: string): Promise<Connection> {
  const adapter = new KeyvSqlite({ uri: `sqlite://${path}`, busyTimeout: NATIVE_BUSY_TIMEOUT_MS });
  (adapter as unknown as EventEmitter).on('error', () => {});
  await adapter.query('SELECT 1');
  return { query: adapter.query as Query, close: () => adapter.disconnect() };
}

/**
 * Opens (or borrows) the connection and prepares it: short native busy timeout, WAL, schema. Every step that
 * can meet another process's lock is retried, all within one `busyTimeoutMs` budget, so opening fails only with
 * `SqliteBusyError` (or an error that is not about locking).
 */
export async function openConnection(options: ResolvedSqliteOptions, existing: KeyvSqlite | undefined, schema: readonly string[]): Promise<Connection> {
  const started = Date.now();
  const retry = <T>(run: () => Promise<T>): Promise<T> => withBusyRetry(options.busyTimeoutMs, run, started);
  const connection =
    existing === undefined ? await retry(() => openAdapter(options.path as string)) : { query: existing.query as Query, close: async () => {} };
  try {
    for (const statement of [`PRAGMA busy_timeout = ${NATIVE_BUSY_TIMEOUT_MS}`, 'PRAGMA journal_mode = WAL', ...schema]) {
      await retry(() => connection.query(statement));
    }
    return connection;
  } catch (error) {
    await connection.close().catch(() => {});
    throw error;
  }
}
