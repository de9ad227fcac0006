import { strict as assert } from 'node:assert';
import { sleep, storeTests } from './lib/harness.js';
import type { StoreFactory, TestApi } from './types.js';

export function deleteIfEqualsTests(api: TestApi, factory: StoreFactory): void {
  api.describe('deleteIfEquals', () => {
    const { test } = storeTests(api, factory);

    test('deletes when the value matches', async (h) => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, 'token-a');
      assert.strictEqual(await store.deleteIfEquals(key, 'token-a'), true);
      assert.strictEqual(await store.get(key), undefined);
    });

    test('keeps the value when it does not match', async (h) => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, 'token-a');
      assert.strictEqual(await store.deleteIfEquals(key, 'token-b'), false);
      assert.strictEqual(await store.get(key), 'token-a');
    });

    test('compares as JSON, not loosely', async (h) => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, 1);
      assert.strictEqual(await store.deleteIfEquals(key, '1'), false);
      assert.strictEqual(await store.deleteIfEquals(key, true), false);
      assert.strictEqual(await store.get(key), 1);
    });

    test('matches structured values', async (h) => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, { owner: 'x', n: [1, 2] });
      assert.strictEqual(await store.deleteIfEquals(key, { owner: 'y', n: [1, 2] }), false);
      assert.strictEqual(await store.deleteIfEquals(key, { owner: 'x', n: [1, 2] }), true);
      assert.strictEqual(await store.get(key), undefined);
    });

    test('resolves false for a missing key', async (h) => {
      const store = await h.open();
      assert.strictEqual(await store.deleteIfEquals(h.key(), 'anything'), false);
    });

    test('resolves false for an expired value', async (h) => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, 'old', 50);
      await sleep(200);
      assert.strictEqual(await store.deleteIfEquals(key, 'old'), false);
    });
  });
}
