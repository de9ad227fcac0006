import { strict as assert } from 'node:assert';
import { randomId, storeTests } from './lib/harness.js';
import type { StoreFactory, TestApi } from './types.js';

export function isolationTests(api: TestApi, factory: StoreFactory, sharedBackend: boolean): void {
  api.describe('isolation by key prefix', () => {
    const { test, testIf } = storeTests(api, factory);

    test('stores with different prefixes never see each other', async (h) => {
      const [a, b] = [await h.open(), await h.open()];
      const key = h.key();
      await a.set(key, 'from-a');
      assert.strictEqual(await b.get(key), undefined);
      assert.strictEqual(await b.add(key, 'from-b', 10_000), true);
      assert.strictEqual(await b.deleteIfEquals(key, 'from-a'), false);
      assert.strictEqual(await a.get(key), 'from-a');
      assert.strictEqual(await b.delete(key), true);
      assert.strictEqual(await a.get(key), 'from-a');
    });

    testIf(sharedBackend, 'stores with the same prefix share data', async (h) => {
      const prefix = `test:${randomId()}:`;
      const [a, b] = [await h.open(prefix), await h.open(prefix)];
      const key = h.key();
      await a.set(key, { shared: true });
      assert.deepStrictEqual(await b.get(key), { shared: true });
      assert.strictEqual(await b.deleteIfEquals(key, { shared: true }), true);
      assert.strictEqual(await a.get(key), undefined);
    });
  });
}
