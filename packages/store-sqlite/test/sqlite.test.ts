import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import { join, relative } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Store } from '@mcpgate/core';
import { SqliteBusyError, sqliteStore } from '@mcpgate/store-sqlite';
import type { SqliteStoreOptions } from '@mcpgate/store-sqlite';
import { rawDb, tempDir } from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('sqliteStore', () => {
  const dir = tempDir();
  const stores: Store[] = [];
  const open = (options: SqliteStoreOptions | string): Store => {
    const store = sqliteStore(options);
    stores.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });
  afterAll(() => dir.remove());

  it('creates the parent directory of a relative sqlite:// path, in WAL mode', async () => {
    const file = join(dir.path, 'nested', 'deeper', 'wal.sqlite');
    const store = open(`sqlite://./${relative(process.cwd(), file)}`);
    expect(store.kind).toBe('sqlite');
    expect(store.persistent).toBe(true);
    await store.set('k', { v: 1 });
    expect(existsSync(file)).toBe(true);
    expect(existsSync(`${file}-wal`)).toBe(true);
    const raw = await rawDb(file);
    try {
      expect(await raw.all('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
      expect(await raw.all('SELECT key, value, expires_at FROM mcpgate_store')).toEqual([{ key: 'k', value: '{"v":1}', expires_at: null }]);
    } finally {
      await raw.close();
    }
  });

  it('the sweeper deletes expired rows', async () => {
    const file = join(dir.path, 'sweep.sqlite');
    const store = open({ uri: `sqlite://${file}`, sweepIntervalMs: 50 });
    await store.set('short', 1, 30);
    await store.add('lock', 'me', 30);
    await store.set('kept', 2);
    const raw = await rawDb(file);
    try {
      await sleep(250);
      expect(await raw.all('SELECT key FROM mcpgate_store ORDER BY key')).toEqual([{ key: 'kept' }]);
    } finally {
      await raw.close();
    }
  });

  it('two stores on one file share data; 20 concurrent adds across them have one winner', async () => {
    const uri = `sqlite://${join(dir.path, 'shared.sqlite')}`;
    const a = open({ uri, keyPrefix: 'p:' });
    const b = open({ uri, keyPrefix: 'p:' });
    await a.set('hello', 'world');
    expect(await b.get('hello')).toBe('world');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).add('lock', i, 10_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await a.get('lock')).toBe(results.indexOf(true));
  });

  it('two processes racing adds on one file: exactly one winner per key', async () => {
    const uri = `sqlite://${join(dir.path, 'processes.sqlite')}`;
    const script = fileURLToPath(new URL('./fixtures/contend.mjs', import.meta.url));
    const startAt = String(Date.now() + 1_500);
    const run = () => promisify(execFile)(process.execPath, [script, uri, startAt, '5', '10'], { timeout: 15_000 });
    const outputs = await Promise.all([run(), run()]);
    const [a, b] = outputs.map(({ stdout }) => JSON.parse(stdout) as number[]);
    expect(a!.map((wins, round) => wins + b![round]!)).toEqual([1, 1, 1, 1, 1]);
  }, 20_000);

  it('uses the connection of a Keyv the caller built, and leaves it open', async () => {
    const adapter = new KeyvSqlite(`sqlite://${join(dir.path, 'own-keyv.sqlite')}`);
    const keyv = new Keyv({ store: adapter });
    const store = sqliteStore({ keyv });
    expect(await store.add('lock', 'me', 1_000)).toBe(true);
    expect(await store.get('lock')).toBe('me');
    await store.close();
    expect(await adapter.query('SELECT key FROM mcpgate_store')).toEqual([{ key: 'lock' }]);
    await adapter.disconnect();
    expect(() => sqliteStore({ keyv: new Keyv() })).toThrow(/keyv/);
  });

  it('a file held by another writer fails with SqliteBusyError after a bounded wait', async () => {
    const file = join(dir.path, 'locked.sqlite');
    const store = open({ uri: `sqlite://${file}`, busyTimeoutMs: 400 });
    await store.set('before', 1);
    const raw = await rawDb(file);
    try {
      await raw.exec('BEGIN EXCLUSIVE');
      const started = Date.now();
      const error = await store.set('during', 2).then(() => undefined, (e: unknown) => e);
      const elapsed = Date.now() - started;
      expect(error).toBeInstanceOf(SqliteBusyError);
      expect(error).toMatchObject({ code: 'SQLITE_BUSY' });
      expect(elapsed).toBeGreaterThanOrEqual(350);
      expect(elapsed).toBeLessThan(3_000);
      await raw.exec('ROLLBACK');
      await store.set('after', 3);
      expect(await store.get('after')).toBe(3);
    } finally {
      await raw.close();
    }
  });

  it('rejects bad options at construction with a TypeError naming the option', () => {
    expect(() => sqliteStore('postgres://x')).toThrow(/uri/);
    expect(() => sqliteStore({})).toThrow(TypeError);
    expect(() => sqliteStore({ uri: 'sqlite://x.sqlite', table: 'x; drop' })).toThrow(/table/);
    expect(() => sqliteStore({ uri: 'sqlite://x.sqlite', busyTimeoutMs: -1 })).toThrow(/busyTimeoutMs/);
    expect(() => sqliteStore({ uri: 'sqlite://x.sqlite', sweepIntervalMs: 0 })).toThrow(/sweepIntervalMs/);
  });

  it('rejects an unknown option with a TypeError naming it and the closest known one', () => {
    const misspelt = { uri: 'sqlite://x.sqlite', busyTimeout: 5 } as SqliteStoreOptions;
    expect(() => sqliteStore(misspelt)).toThrow(TypeError);
    expect(() => sqliteStore(misspelt)).toThrow(/"busyTimeout".*"busyTimeoutMs"/);
    expect(() => sqliteStore({ uri: 'sqlite://x.sqlite', sweepInterval: 5 } as SqliteStoreOptions)).toThrow(/"sweepIntervalMs"/);
  });

  it('a file locked while the store opens it fails with SqliteBusyError after a bounded wait, and the next call opens it', async () => {
    const file = join(dir.path, 'locked-at-open.sqlite');
    const raw = await rawDb(file);
    try {
      await raw.exec('BEGIN EXCLUSIVE; CREATE TABLE held (x);');
      const store = open({ uri: `sqlite://${file}`, busyTimeoutMs: 300, logger: { warn: () => {}, error: () => {} } } as SqliteStoreOptions);
      const started = Date.now();
      const error = await store.set('k', 1).then(() => undefined, (e: unknown) => e);
      const elapsed = Date.now() - started;
      expect(error).toBeInstanceOf(SqliteBusyError);
      expect(error).toMatchObject({ code: 'SQLITE_BUSY' });
      expect(elapsed).toBeGreaterThanOrEqual(250);
      expect(elapsed).toBeLessThan(2_000);
      await raw.exec('ROLLBACK');
      await store.set('k', 2);
      expect(await store.get('k')).toBe(2);
    } finally {
      await raw.close();
    }
  });

  it('close() stops the sweeper and closes the database', async () => {
    const store = sqliteStore(`sqlite://${join(dir.path, 'close.sqlite')}`);
    await store.set('k', 1);
    await store.close();
    await expect(store.get('k')).rejects.toThrow(/closed/);
  });
});
