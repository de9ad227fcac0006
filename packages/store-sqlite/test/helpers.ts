import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';

export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'mcpgate-sqlite-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface RawDb {
  all(sql: string, ...params: unknown[]): Promise<Array<Record<string, unknown>>>;
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

export function rawDb(file: string): Promise<RawDb> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, (error) => {
      if (error) return reject(error);
      resolve({
        all: (sql, ...params) =>
          new Promise((ok, fail) => db.all(sql, params, (err, rows) => (err ? fail(err) : ok(rows as Array<Record<string, unknown>>)))),
        exec: (sql) => new Promise((ok, fail) => db.exec(sql, (err) => (err ? fail(err) : ok()))),
        close: () => new Promise((ok, fail) => db.close((err) => (err ? fail(err) : ok()))),
      });
    });
  });
}
