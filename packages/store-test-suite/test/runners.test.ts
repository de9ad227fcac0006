import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { memoryStore } from '@mcpgate/core';
import { storeConformanceSuite, type TestApi } from '@mcpgate/store-test-suite';

const run = promisify(execFile);

describe('store-test-suite without vitest', () => {
  it('runs under node:test with the same counts as under vitest', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/node-test-memory.mjs', import.meta.url));
    const { stdout } = await run(process.execPath, ['--test', '--test-reporter=tap', fixture]);
    const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(stdout)?.[1]);
    expect({ tests: count('tests'), pass: count('pass'), fail: count('fail'), skipped: count('skipped') }).toStrictEqual({
      tests: 61,
      pass: 53,
      fail: 0,
      skipped: 8,
    });
  });

  it('throws TypeError at registration for a runner without it.skip or for bad options', () => {
    const noop = () => {};
    const create = () => memoryStore();
    const noSkip = { describe: noop, it: () => {} } as unknown as TestApi;
    const api: TestApi = { describe: noop, it: Object.assign(() => {}, { skip: noop }) };
    expect(() => storeConformanceSuite(noSkip, { name: 'x', create })).toThrow(TypeError);
    expect(() => storeConformanceSuite(api, { name: '', create })).toThrow(TypeError);
    expect(() => storeConformanceSuite(api, { name: 'x', create, unreachableTimeoutMs: 0 })).toThrow(TypeError);
  });
});
