export interface Statements {
  readonly schema: readonly string[];
  readonly get: string;
  readonly set: string;
  readonly delete: string;
  readonly add: string;
  readonly deleteIfEquals: string;
  readonly setIfEquals: string;
  readonly sweep: string;
}

export function statements(table: string): Statements {
  const live = '(expires_at IS NULL OR expires_at > ?)';
  return {
    schema: [
      `CREATE TABLE IF NOT EXISTS ${table} (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER) WITHOUT ROWID`,
      `CREATE INDEX IF NOT EXISTS ${table}_expires_at ON ${table} (expires_at) WHERE expires_at IS NOT NULL`,
    ],
    get: `SELECT value FROM ${table} WHERE key = ? AND ${live}`,
    set: `INSERT INTO ${table} (key, value, expires_at) VALUES (?, ?, ?)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
    delete: `DELETE FROM ${table} WHERE key = ? RETURNING expires_at`,
    add: `INSERT INTO ${table} (key, value, expires_at) VALUES (?, ?, ?)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
      WHERE ${table}.expires_at IS NOT NULL AND ${table}.expires_at <= ?
      RETURNING key`,
    deleteIfEquals: `DELETE FROM ${table} WHERE key = ? AND value = ? AND ${live} RETURNING key`,
    setIfEquals: `UPDATE ${table} SET value = ?, expires_at = ? WHERE key = ? AND value = ? AND ${live} RETURNING key`,
    sweep: `DELETE FROM ${table} WHERE expires_at IS NOT NULL AND expires_at <= ?`,
  };
}
