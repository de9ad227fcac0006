import type Keyv from 'keyv';
import type { Logger } from '@mcpgate/core';
import { assertKnownOptions, loggerOption, numberOption } from '@mcpgate/core/internal';

/** Options of {@link sqliteStore}. Give `uri` or `keyv`, not both. Unknown keys throw a `TypeError`. */
export interface SqliteStoreOptions {
  /**
   * `sqlite://./relative/file.sqlite` (from the working directory) or `sqlite:///absolute/file.sqlite`. A missing
   * file is created with mode 0600 (SQLite gives its `-wal` and `-shm` files the same mode).
   */
  readonly uri?: string;
  /** A Keyv on `@keyv/sqlite` you already built; its connection is used, and left open by `close()`. */
  readonly keyv?: Keyv;
  /** Table holding the entries (`key`, `value` JSON text, `expires_at` in epoch milliseconds). Default `mcpgate_store`. */
  readonly table?: string;
  /** Prepended to every key. Default `''` (mcpgate keys already start with `mcpgate:v1:`). */
  readonly keyPrefix?: string;
  /**
   * How long one call may wait in total for another writer's lock, in milliseconds, before it rejects with
   * `SqliteBusyError`; opening the file (schema, WAL switch) shares one such budget. The wait happens in short
   * asynchronous retries, never inside SQLite, so a locked file never blocks the event loop. Default 1,500
   * (below mcpgate's default 2,000 ms store timeout).
   */
  readonly busyTimeoutMs?: number;
  /** How often expired rows are deleted, in milliseconds. Default 60,000. */
  readonly sweepIntervalMs?: number;
  /** Receives the warning about an existing database file that group or others can access. Default `console`. */
  readonly logger?: Logger;
}

export interface ResolvedSqliteOptions {
  readonly path: string | undefined;
  readonly keyv: Keyv | undefined;
  readonly table: string;
  readonly keyPrefix: string;
  readonly busyTimeoutMs: number;
  readonly sweepIntervalMs: number;
  readonly logger: Logger;
}

const KNOWN_OPTIONS = ['uri', 'keyv', 'table', 'keyPrefix', 'busyTimeoutMs', 'sweepIntervalMs', 'logger'] as const satisfies ReadonlyArray<
  keyof SqliteStoreOptions
>;

function pathOf(uri: string | undefined): string | undefined {
  if (uri === undefined) return undefined;
  if (typeof uri !== 'string' || !/^sqlite:\/\/.+/.test(uri)) {
    throw new TypeError('sqliteStore: uri must look like sqlite://./file.sqlite or sqlite:///abs/file.sqlite');
  }
  return uri.slice('sqlite://'.length);
}

export function resolveOptions(uriOrOptions: string | SqliteStoreOptions): ResolvedSqliteOptions {
  const options: SqliteStoreOptions = typeof uriOrOptions === 'string' ? { uri: uriOrOptions } : uriOrOptions ?? {};
  assertKnownOptions(options, KNOWN_OPTIONS, 'sqliteStore');
  if (options.uri !== undefined && options.keyv !== undefined) throw new TypeError('sqliteStore: give uri or keyv, not both');
  if (options.uri === undefined && options.keyv === undefined) throw new TypeError('sqliteStore: uri or keyv is required');
  const path = pathOf(options.uri);
  const table = options.table ?? 'mcpgate_store';
  if (typeof table !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(table)) {
    throw new TypeError('sqliteStore: table must be a SQL identifier ([A-Za-z_][A-Za-z0-9_]*)');
  }
  const keyPrefix = options.keyPrefix ?? '';
  if (typeof keyPrefix !== 'string') throw new TypeError('sqliteStore: keyPrefix must be a string');
  const busyTimeoutMs = numberOption(options.busyTimeoutMs, 'sqliteStore: busyTimeoutMs', 1_500, { sign: 'non-negative', integer: true, unit: 'milliseconds' });
  const sweepIntervalMs = numberOption(options.sweepIntervalMs, 'sqliteStore: sweepIntervalMs', 60_000, { sign: 'positive', integer: true, unit: 'milliseconds' });
  return { path, keyv: options.keyv, table, keyPrefix, busyTimeoutMs, sweepIntervalMs, logger: loggerOption(options.logger, 'sqliteStore: logger') };
}
