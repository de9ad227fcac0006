import { strict as assert } from 'node:assert';
import { sleep, storeTests } from './lib/harness.js';
import type { StoreFactory, TestApi } from './types.js';

export function addTests(api: TestApi, factory: StoreFactory): void {
  api.describe('add (set if absent)', () => {
    const { test } = storeTests(api, factory);

    test('stores when absent and refuses when present', async (h) => {
      const store = await h.open();
      const key = h.key();
      assert.strictEqual(await store.add(key, { owner: 'a' }, 10_000), true);
      assert.strictEqual(await store.add(key, { owner: 'b' }, 10_000), false);
      assert.deepStrictEqual(await store.get(key), { owner: 'a' });
    });

    test('refuses when a value was stored with set', async (h) => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, 'existing');
      assert.strictEqual(await store.add(key, 'new', 10_000), false);
      assert.strictEqual(await store.get(key), 'existing');
    });

    test('stores again once the previous value expired', async (h) => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, 'old', 50);
      await sleep(200);
      assert.strictEqual(await store.add(key, 'new', 10_000), true);
      assert.strictEqual(await store.get(key), 'new');
    });

    test('stores again after a delete', async (h) => {
      const store = await h.open();
      const key = h.key();
      assert.strictEqual(await store.add(key, 1, 10_000), true);
      await store.delete(key);
      assert.strictEqual(await store.add(key, 2, 10_000), true);
      assert.strictEqual(await store.get(key), 2);
    });

    test('applies its TTL in milliseconds', async (h) => {
      const store = await h.open();
      const key = h.key();
      assert.strictEqual(await store.add(key, 'ttl', 100), true);
      assert.strictEqual(await store.get(key), 'ttl');
      await sleep(250);
      assert.strictEqual(await store.get(key), undefined);
    });
  });
}
