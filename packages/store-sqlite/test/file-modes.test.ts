import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@mcpgate/core';
import { sqliteStore } from '@mcpgate/store-sqlite';
import type { SqliteStoreOptions } from '@mcpgate/store-sqlite';
import { tempDir } from './helpers.js';

const modeOf = (file: string): number => statSync(file).mode & 0o777;

describe('sqliteStore file modes', () => {
  const dir = tempDir();
  const stores: Store[] = [];
  let umask: number;
  const open = (options: SqliteStoreOptions): Store => {
    const store = sqliteStore(options);
    stores.push(store);
    return store;
  };
  const recorder = () => {
    const warnings: string[] = [];
    return { warnings, logger: { warn: (message: string) => warnings.push(message), error: (message: string) => warnings.push(message) } };
  };
  beforeAll(() => {
    umask = process.umask(0o022);
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });
  afterAll(() => {
    process.umask(umask);
    dir.remove();
  });

  it('creates the database file 0600, so SQLite creates its -wal and -shm files 0600 too, whatever the umask', async () => {
    const file = join(dir.path, 'nested', 'private.sqlite');
    const { warnings, logger } = recorder();
    const store = open({ uri: `sqlite://${file}`, logger });
    await store.set('k', { secret: true });
    for (const path of [file, `${file}-wal`, `${file}-shm`]) {
      expect(existsSync(path), path).toBe(true);
      expect(modeOf(path).toString(8), path).toBe('600');
    }
    expect(warnings).toEqual([]);
  });

  it('creates the file 0600 even under a umask that would drop the owner write bit', async () => {
    const file = join(dir.path, 'umask.sqlite');
    process.umask(0o277);
    try {
      await open({ uri: `sqlite://${file}` }).set('k', 1);
    } finally {
      process.umask(0o022);
    }
    expect(modeOf(file).toString(8)).toBe('600');
  });

  it('warns once, through the logger, about an existing file group or others can read, and leaves its mode alone', async () => {
    const file = join(dir.path, 'shared.sqlite');
    writeFileSync(file, '', { mode: 0o644 });
    const { warnings, logger } = recorder();
    const store = open({ uri: `sqlite://${file}`, logger });
    await store.set('a', 1);
    await store.get('a');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(file);
    expect(warnings[0]).toContain('0644');
    expect(warnings[0]).toContain(`chmod 600 ${file}`);
    expect(modeOf(file).toString(8)).toBe('644');
  });

  it('says nothing about an existing 0600 file', async () => {
    const file = join(dir.path, 'quiet.sqlite');
    writeFileSync(file, '', { mode: 0o600 });
    const { warnings, logger } = recorder();
    await open({ uri: `sqlite://${file}`, logger }).set('a', 1);
    expect(warnings).toEqual([]);
  });

  it('rejects a logger without warn', () => {
    expect(() => sqliteStore({ uri: `sqlite://${join(dir.path, 'x.sqlite')}`, logger: {} as Console })).toThrow(/logger/);
  });
});
