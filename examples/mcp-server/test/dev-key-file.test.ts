import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateEncryptionKey } from '@mcpgate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config.js';
import { storeFromUri } from '../src/store-from-uri.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('the development key beside the SQLite file', () => {
  const dirs: string[] = [];
  const keyFile = async (mode: number): Promise<{ db: string; key: string }> => {
    const dir = await mkdtemp(join(tmpdir(), 'mcpgate-example-key-'));
    dirs.push(dir);
    const key = join(dir, 'db.sqlite.key');
    await writeFile(key, `${generateEncryptionKey()}\n`);
    await chmod(key, mode);
    return { db: join(dir, 'db.sqlite'), key };
  };
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it.each(['644', '640', '604', '620'])('is refused when its mode is 0%s, naming the file and the chmod that fixes it', async (mode) => {
    const { db, key } = await keyFile(Number.parseInt(mode, 8));
    const error = await storeFromUri(`sqlite://${db}`, undefined).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(key);
    expect((error as Error).message).toContain(`chmod 600 ${key}`);
  });

  it('is used when its mode is 0600 or 0400', async () => {
    for (const mode of [0o600, 0o400]) {
      const { db } = await keyFile(mode);
      const chosen = await storeFromUri(`sqlite://${db}`, undefined);
      expect(chosen.notes.join('\n')).toMatch(/using a DEVELOPMENT key/);
      await chosen.store.close();
    }
  });

  it('makes the example exit with code 2 and say why', async () => {
    const { db, key } = await keyFile(0o644);
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', PORT: '0', HOST: '127.0.0.1', MCP_AUTH_STORE: `sqlite://${db}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('listening')) child.kill();
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, output).toBe(2);
    expect(output).toContain(`chmod 600 ${key}`);
  }, 20_000);
});
