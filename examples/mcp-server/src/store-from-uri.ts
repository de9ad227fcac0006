import { chmod, mkdir, open, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { generateEncryptionKey, memoryStore, type Store } from '@mcpgate/core';
import { redisStore } from '@mcpgate/store-redis';
import { sqliteStore } from '@mcpgate/store-sqlite';
import { ConfigError } from './config.js';

export interface ChosenStore {
  readonly store: Store;
  readonly encryptionKey: string | undefined;
  readonly notes: string[];
}

function sqlitePath(uri: string): string {
  const rest = uri.slice('sqlite://'.length);
  if (rest === '') throw new ConfigError('MCP_AUTH_STORE=sqlite:// needs a path, e.g. sqlite://./.data/mcpgate.sqlite');
  return resolve(rest);
}

/** An existing development key, refused when group or others have any access to it. */
async function readPrivateKey(path: string): Promise<string | undefined> {
  const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (handle === undefined) return undefined;
  try {
    const mode = (await handle.stat()).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new ConfigError(
        `the development key ${path} is accessible by group or others (mode 0${mode.toString(8)}); restrict it with \`chmod 600 ${path}\` or set MCP_AUTH_ENCRYPTION_KEY`,
      );
    }
    return (await handle.readFile('utf8')).trim();
  } finally {
    await handle.close();
  }
}

/** The development default: a key generated once and kept beside the SQLite file (mode 0600). */
async function devKeyBeside(file: string): Promise<{ key: string; created: boolean; path: string }> {
  const path = `${file}.key`;
  const existing = await readPrivateKey(path);
  if (existing !== undefined) return { key: existing, created: false, path };
  await mkdir(dirname(path), { recursive: true });
  const key = generateEncryptionKey();
  await writeFile(path, `${key}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(path, 0o600);
  return { key, created: true, path };
}

/**
 * `MCP_AUTH_STORE` → a store: `memory`, `sqlite://<path>`, `redis://host:port[/db]` (or `rediss://`).
 * Persistent stores need `MCP_AUTH_ENCRYPTION_KEY`; for SQLite only, a development key is generated
 * beside the database file when it is missing, with a loud warning.
 */
export async function storeFromUri(uri: string, encryptionKey: string | undefined): Promise<ChosenStore> {
  if (uri === 'memory') {
    return { store: memoryStore(), encryptionKey, notes: ['store: memory (session bindings and upstream credentials are lost on restart)'] };
  }
  if (uri.startsWith('sqlite://')) {
    const file = sqlitePath(uri);
    const notes = [`store: SQLite at ${file}`];
    let key = encryptionKey;
    if (key === undefined) {
      const dev = await devKeyBeside(file);
      key = dev.key;
      notes.push(
        `WARNING: MCP_AUTH_ENCRYPTION_KEY is not set; ${dev.created ? 'generated' : 'using'} a DEVELOPMENT key kept beside the database at ${dev.path}. ` +
          'Anyone who can read both files can read the stored tokens. In production set MCP_AUTH_ENCRYPTION_KEY (openssl rand -base64 32).',
      );
    }
    return { store: sqliteStore(`sqlite://${file}`), encryptionKey: key, notes };
  }
  if (uri.startsWith('redis://') || uri.startsWith('rediss://')) {
    if (encryptionKey === undefined) {
      throw new ConfigError('MCP_AUTH_STORE=redis://… needs MCP_AUTH_ENCRYPTION_KEY (base64 of 32 bytes, e.g. `openssl rand -base64 32`)');
    }
    const safe = new URL(uri);
    safe.password = safe.password === '' ? '' : '***';
    return { store: redisStore(uri), encryptionKey, notes: [`store: Redis at ${safe.toString()}`] };
  }
  throw new ConfigError(`MCP_AUTH_STORE must be memory, sqlite://<path> or redis://host:port[/db], got ${JSON.stringify(uri)}`);
}
