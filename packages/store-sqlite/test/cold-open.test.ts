import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { rawDb, tempDir } from './helpers.js';

const PROCESSES = 4;
const STORES_PER_PROCESS = 4;
const ROUNDS = 20;

describe('sqliteStore cold open', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());
  const script = fileURLToPath(new URL('./fixtures/cold-open.mjs', import.meta.url));

  const round = async (file: string): Promise<string[]> => {
    const startAt = String(Date.now() + 400);
    const run = () =>
      promisify(execFile)(process.execPath, [script, `sqlite://${file}`, startAt, String(STORES_PER_PROCESS)], { timeout: 10_000 }).then(
        ({ stdout }) => JSON.parse(stdout) as string[],
        (error: { stderr?: string; message: string }) => [`process failed: ${error.stderr || error.message}`],
      );
    return (await Promise.all(Array.from({ length: PROCESSES }, run))).flat();
  };

  it(`${PROCESSES} processes × ${STORES_PER_PROCESS} stores opening a new file at once, ${ROUNDS} times: every first write succeeds`, async () => {
    const failures: string[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const file = join(dir.path, `cold-${i}.sqlite`);
      const outcomes = await round(file);
      failures.push(...outcomes.filter((o) => o !== 'ok').map((o) => `round ${i}: ${o}`));
      const raw = await rawDb(file);
      try {
        const [row] = await raw.all('SELECT count(*) AS n FROM mcpgate_store');
        if (outcomes.every((o) => o === 'ok')) expect(row).toEqual({ n: PROCESSES * STORES_PER_PROCESS });
      } finally {
        await raw.close();
      }
    }
    expect(failures).toEqual([]);
  }, 40_000);
});
