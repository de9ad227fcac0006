import { strict as assert } from 'node:assert';
import type { Store } from '@mcpgate/core';
import { randomId, settlesWithin } from './lib/harness.js';
import type { StoreConformanceOptions, TestApi } from './types.js';

type Call = readonly [string, (store: Store, key: string) => Promise<unknown>];

const calls: readonly Call[] = [
  ['get', (store, key) => store.get(key)],
  ['set', (store, key) => store.set(key, 'v', 1_000)],
  ['delete', (store, key) => store.delete(key)],
  ['add', (store, key) => store.add(key, 'v', 1_000)],
  ['deleteIfEquals', (store, key) => store.deleteIfEquals(key, 'v')],
];

export function unreachableTests(api: TestApi, options: StoreConformanceOptions): void {
  const { unreachable } = options;
  const limitMs = options.unreachableTimeoutMs ?? 5_000;
  api.describe('unreachable backend', () => {
    for (const [name, call] of calls) {
      const title = `${name} rejects within ${limitMs} ms`;
      if (unreachable === undefined) {
        api.it.skip(title, async () => {});
        continue;
      }
      api.it(title, async () => {
        const store = await unreachable();
        try {
          const outcome = await settlesWithin(call(store, `mcpgate:v1:down:${randomId()}`), limitMs);
          const status = outcome === 'timeout' ? outcome : outcome.status;
          assert.notStrictEqual(status, 'timeout', `${name} neither resolved nor rejected within ${limitMs} ms`);
          assert.strictEqual(status, 'rejected', `${name} resolved against an unreachable backend`);
        } finally {
          await settlesWithin(store.close(), limitMs);
        }
      });
    }
  });
}
