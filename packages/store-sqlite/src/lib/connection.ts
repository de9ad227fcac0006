import type { EventEmitter } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import type { ResolvedSqliteOptions } from '../options.js';
import { NATIVE_BUSY_TIMEOUT_MS } from './retry.js';

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

export async function openConnection(options: ResolvedSqliteOptions, existing: KeyvSqlite | undefined): Promise<Connection> {
  if (existing !== undefined) return { query: existing.query as Query, close: async () => {} };
  const path = options.path as string;
  if (!path.startsWith(':memory:')) await mkdir(dirname(resolve(path)), { recursive: true });
  const adapter = new KeyvSqlite({ uri: `sqlite://${path}`, busyTimeout: NATIVE_BUSY_TIMEOUT_MS });
  let failure: unknown;
  (adapter as unknown as EventEmitter).on('error', (error: unknown) => {
    failure = error;
  });
  try {
    await adapter.query('SELECT 1');
  } catch (error) {
    throw failure ?? error;
  }
  return { query: adapter.query as Query, close: () => adapter.disconnect() };
}
