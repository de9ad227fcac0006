import { strict as assert } from 'node:assert';
import { sleep, storeTests } from './lib/harness.js';
import type { StoreFactory, TestApi } from './types.js';

export function ttlTests(api: TestApi, factory: StoreFactory): void {
  api.describe('TTL (milliseconds)', () => {
    const { test } = storeTests(api, factory);

    test('returns a value before its TTL and never after', async (h) => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, { v: 1 }, 150);
      assert.deepStrictEqual(await store.get(key), { v: 1 });
      await sleep(300);
      assert.strictEqual(await store.get(key), undefined);
    });

    test('treats the TTL as milliseconds, not seconds', async (h) => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, 'short', 50);
      await sleep(200);
      assert.strictEqual(await store.get(key), undefined);
    });

    test('keeps values without a TTL', async (h) => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, 'forever');
      await sleep(250);
      assert.strictEqual(await store.get(key), 'forever');
    });

    test('set without a TTL replaces an earlier expiry', async (h) => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, 'first', 100);
      await store.set(key, 'second');
      await sleep(250);
      assert.strictEqual(await store.get(key), 'second');
    });

    test('set with a TTL replaces an earlier value without one', async (h) => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, 'first');
      await store.set(key, 'second', 100);
      await sleep(250);
      assert.strictEqual(await store.get(key), undefined);
    });

    test('delete of an expired value resolves false', async (h) => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, 'gone', 50);
      await sleep(200);
      assert.strictEqual(await store.delete(key), false);
    });
  });
}
