import { strict as assert } from 'node:assert';
import { randomId, sleep, storeTests } from './lib/harness.js';
import type { StoreFactory, TestApi } from './types.js';

export function lockingTests(api: TestApi, factory: StoreFactory, sharedBackend: boolean): void {
  api.describe('locks (add + deleteIfEquals)', () => {
    const { test, testIf } = storeTests(api, factory);

    test('20 concurrent adds on one key: exactly one wins', async (h) => {
      const store = await h.open();
      const key = h.key('lock');
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.add(key, `owner-${i}`, 10_000)));
      assert.strictEqual(results.filter(Boolean).length, 1);
      assert.strictEqual(await store.get(key), `owner-${results.indexOf(true)}`);
    });

    testIf(sharedBackend, '20 concurrent adds across two instances: exactly one wins', async (h) => {
      const prefix = `test:${randomId()}:`;
      const [a, b] = [await h.open(prefix), await h.open(prefix)];
      const key = h.key('lock');
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).add(key, `owner-${i}`, 10_000)),
      );
      assert.strictEqual(results.filter(Boolean).length, 1);
      const winner = `owner-${results.indexOf(true)}`;
      assert.strictEqual(await a.get(key), winner);
      assert.strictEqual(await b.get(key), winner);
    });

    test('only the owner releases; then the next add wins', async (h) => {
      const store = await h.open();
      const key = h.key('lock');
      assert.strictEqual(await store.add(key, 'owner-1', 10_000), true);
      assert.strictEqual(await store.deleteIfEquals(key, 'owner-2'), false);
      assert.strictEqual(await store.add(key, 'owner-2', 10_000), false);
      assert.strictEqual(await store.deleteIfEquals(key, 'owner-1'), true);
      assert.strictEqual(await store.add(key, 'owner-2', 10_000), true);
    });

    test('a lock expires after its TTL and another add succeeds', async (h) => {
      const store = await h.open();
      const key = h.key('lock');
      assert.strictEqual(await store.add(key, 'crashed-holder', 100), true);
      assert.strictEqual(await store.add(key, 'waiter', 100), false);
      await sleep(250);
      assert.strictEqual(await store.add(key, 'waiter', 10_000), true);
      assert.strictEqual(await store.get(key), 'waiter');
      assert.strictEqual(await store.deleteIfEquals(key, 'crashed-holder'), false);
    });

    test('concurrent adds after expiry: exactly one wins', async (h) => {
      const store = await h.open();
      const key = h.key('lock');
      await store.add(key, 'stale', 50);
      await sleep(200);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.add(key, `owner-${i}`, 10_000)));
      assert.strictEqual(results.filter(Boolean).length, 1);
    });
  });
}
