import { describe, expect, it } from 'vitest';
import type { Store } from '@mcpgate/core';
import { randomId, settlesWithin } from './lib/harness.js';
import type { StoreConformanceOptions } from './types.js';

type Call = readonly [string, (store: Store, key: string) => Promise<unknown>];

const calls: readonly Call[] = [
  ['get', (store, key) => store.get(key)],
  ['set', (store, key) => store.set(key, 'v', 1_000)],
  ['delete', (store, key) => store.delete(key)],
  ['add', (store, key) => store.add(key, 'v', 1_000)],
  ['deleteIfEquals', (store, key) => store.deleteIfEquals(key, 'v')],
];

export function unreachableTests(options: StoreConformanceOptions): void {
  const { unreachable } = options;
  const limitMs = options.unreachableTimeoutMs ?? 5_000;
  describe.runIf(unreachable !== undefined)('unreachable backend', () => {
    it.each(calls)(`%s rejects within ${limitMs} ms`, async (_name, call) => {
      const store = await unreachable!();
      try {
        const outcome = await settlesWithin(call(store, `mcpgate:v1:down:${randomId()}`), limitMs);
        expect(outcome).not.toBe('timeout');
        expect(outcome).toMatchObject({ status: 'rejected' });
      } finally {
        await settlesWithin(store.close(), limitMs);
      }
    });
  });
}
