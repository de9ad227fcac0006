import { strict as assert } from 'node:assert';
import type { JsonValue, Store } from '@mcpgate/core';
import { randomId, sleep, storeTests } from './lib/harness.js';
import type { StoreFactory, TestApi } from './types.js';

type SetIfEquals = (key: string, expected: JsonValue, value: JsonValue, ttlMs: number) => Promise<boolean>;

/** The store's `setIfEquals`, bound; fails the test when the store has none although the suite was told it has. */
function casOf(store: Store): SetIfEquals {
  assert.strictEqual(
    typeof store.setIfEquals,
    'function',
    'the store has no setIfEquals, but the suite runs its tests (setIfEquals: true); pass setIfEquals: false to skip them',
  );
  return (store.setIfEquals as SetIfEquals).bind(store);
}

/**
 * `setIfEquals`, the optional compare-and-set (rate limits need it). Registered as skipped when the store
 * has none (`enabled` false).
 */
export function setIfEqualsTests(api: TestApi, factory: StoreFactory, enabled: boolean, sharedBackend: boolean): void {
  api.describe('setIfEquals (compare-and-set, optional)', () => {
    const { testIf } = storeTests(api, factory);
    const test = (name: string, body: Parameters<typeof testIf>[2]): void => testIf(enabled, name, body);

    test('replaces the value when it matches, and resolves true', async (h) => {
      const store = await h.open();
      const cas = casOf(store);
      const key = h.key();
      await store.set(key, 'v1');
      assert.strictEqual(await cas(key, 'v1', 'v2', 10_000), true);
      assert.strictEqual(await store.get(key), 'v2');
      assert.strictEqual(await cas(key, 'v2', { n: 3 }, 10_000), true);
      assert.deepStrictEqual(await store.get(key), { n: 3 });
    });

    test('keeps the value when it does not match, and resolves false', async (h) => {
      const store = await h.open();
      const cas = casOf(store);
      const key = h.key();
      await store.set(key, 'v1');
      assert.strictEqual(await cas(key, 'v0', 'v2', 10_000), false);
      assert.strictEqual(await store.get(key), 'v1');
    });

    test('compares as JSON, not loosely', async (h) => {
      const store = await h.open();
      const cas = casOf(store);
      const key = h.key();
      await store.set(key, 1);
      assert.strictEqual(await cas(key, '1', 2, 10_000), false);
      assert.strictEqual(await cas(key, true, 2, 10_000), false);
      assert.strictEqual(await cas(key, 1.0000001, 2, 10_000), false);
      assert.strictEqual(await store.get(key), 1);
      assert.strictEqual(await cas(key, 1, 2, 10_000), true);
      assert.strictEqual(await store.get(key), 2);
    });

    test('matches structured values', async (h) => {
      const store = await h.open();
      const cas = casOf(store);
      const key = h.key();
      await store.set(key, { owner: 'x', n: [1, 2] });
      assert.strictEqual(await cas(key, { owner: 'y', n: [1, 2] }, 'next', 10_000), false);
      assert.strictEqual(await cas(key, { owner: 'x', n: [1, 2, 3] }, 'next', 10_000), false);
      assert.strictEqual(await cas(key, { owner: 'x', n: [1, 2] }, 'next', 10_000), true);
      assert.strictEqual(await store.get(key), 'next');
    });

    test('resolves false for a missing key, and stores nothing', async (h) => {
      const store = await h.open();
      const cas = casOf(store);
      const key = h.key();
      assert.strictEqual(await cas(key, null, 'created', 10_000), false);
      assert.strictEqual(await store.get(key), undefined);
    });

    test('resolves false for an expired value, and does not bring it back', async (h) => {
      const store = await h.open();
      const cas = casOf(store);
      const key = h.key();
      await store.set(key, 'old', 50);
      await sleep(200);
      assert.strictEqual(await cas(key, 'old', 'new', 10_000), false);
      assert.strictEqual(await store.get(key), undefined);
      assert.strictEqual(await store.add(key, 'fresh', 10_000), true);
    });

    test('applies the TTL of the new value, in milliseconds', async (h) => {
      const store = await h.open();
      const cas = casOf(store);
      const key = h.key();
      await store.set(key, 'forever');
      assert.strictEqual(await cas(key, 'forever', 'short', 100), true);
      assert.strictEqual(await store.get(key), 'short');
      await sleep(250);
      assert.strictEqual(await store.get(key), undefined);
    });

    test('replaces an earlier expiry', async (h) => {
      const store = await h.open();
      const cas = casOf(store);
      const key = h.key();
      await store.add(key, 'bucket-1', 100);
      assert.strictEqual(await cas(key, 'bucket-1', 'bucket-2', 10_000), true);
      await sleep(250);
      assert.strictEqual(await store.get(key), 'bucket-2');
    });

    test('20 concurrent compare-and-sets from the same value: exactly one wins', async (h) => {
      const store = await h.open();
      const cas = casOf(store);
      const key = h.key('bucket');
      await store.set(key, 'start', 10_000);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => cas(key, 'start', `writer-${i}`, 10_000)));
      assert.strictEqual(results.filter(Boolean).length, 1);
      assert.strictEqual(await store.get(key), `writer-${results.indexOf(true)}`);
    });

    testIf(enabled && sharedBackend, '20 concurrent compare-and-sets across two instances: exactly one wins', async (h) => {
      const prefix = `test:${randomId()}:`;
      const [a, b] = [await h.open(prefix), await h.open(prefix)];
      const [casA, casB] = [casOf(a), casOf(b)];
      const key = h.key('bucket');
      await a.set(key, 'start', 10_000);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? casA : casB)(key, 'start', `writer-${i}`, 10_000)));
      assert.strictEqual(results.filter(Boolean).length, 1);
      const winner = `writer-${results.indexOf(true)}`;
      assert.strictEqual(await a.get(key), winner);
      assert.strictEqual(await b.get(key), winner);
    });

    test('concurrent read-modify-write loops lose no update', async (h) => {
      const store = await h.open();
      const cas = casOf(store);
      const key = h.key('counter');
      await store.set(key, 0, 30_000);
      const increment = async (): Promise<void> => {
        for (let attempt = 0; attempt < 1_000; attempt++) {
          const seen = await store.get<number>(key);
          assert.strictEqual(typeof seen, 'number');
          if (await cas(key, seen as number, (seen as number) + 1, 30_000)) return;
        }
        assert.fail('an increment lost 1,000 compare-and-sets in a row');
      };
      await Promise.all(Array.from({ length: 10 }, async () => {
        for (let i = 0; i < 5; i++) await increment();
      }));
      assert.strictEqual(await store.get(key), 50);
    });
  });
}
