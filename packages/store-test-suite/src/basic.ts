import { strict as assert } from 'node:assert';
import type { JsonValue } from '@mcpgate/core';
import { storeTests } from './lib/harness.js';
import type { StoreFactory, TestApi } from './types.js';

const samples: ReadonlyArray<readonly [string, JsonValue]> = [
  ['a string', 'hello'],
  ['an empty string', ''],
  ['a string starting with a colon', ':base64:AAAA'],
  ['unicode', 'héllo wörld ✓ 日本語 🔐 \u0000 \n\t"\\'],
  ['an integer', 42],
  ['a float', -3.25],
  ['zero', 0],
  ['true', true],
  ['false', false],
  ['null', null],
  ['an empty array', []],
  ['an empty object', {}],
  ['an array', [1, 'two', null, false, { three: [3] }]],
  [
    'a nested object',
    { accessToken: 'at', scopes: ['a', 'b'], nested: { deep: { deeper: [{ x: 1 }, { y: 'ü' }] } }, n: null },
  ],
];

export function basicTests(api: TestApi, factory: StoreFactory): void {
  api.describe('get / set / delete', () => {
    const { test } = storeTests(api, factory);

    test('returns undefined for a missing key', async (h) => {
      const store = await h.open();
      assert.strictEqual(await store.get(h.key()), undefined);
    });

    for (const [label, value] of samples) {
      test(`round-trips ${label} as JSON`, async (h) => {
        const store = await h.open();
        const key = h.key();
        await store.set(key, value);
        assert.deepStrictEqual(await store.get(key), value);
      });
    }

    test('returns a copy, not the stored value', async (h) => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, { list: [1] });
      const first = await store.get<{ list: number[] }>(key);
      first?.list.push(2);
      assert.deepStrictEqual(await store.get(key), { list: [1] });
    });

    test('overwrites an existing value', async (h) => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, 'one');
      await store.set(key, { two: 2 });
      assert.deepStrictEqual(await store.get(key), { two: 2 });
    });

    test('accepts keys with colons, spaces and unicode', async (h) => {
      const store = await h.open();
      const key = `${h.key()}:a b/ü🔑`;
      await store.set(key, 1);
      assert.strictEqual(await store.get(key), 1);
    });

    test('delete resolves true once, then false', async (h) => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, 'x');
      assert.strictEqual(await store.delete(key), true);
      assert.strictEqual(await store.get(key), undefined);
      assert.strictEqual(await store.delete(key), false);
    });

    test('delete of a missing key resolves false', async (h) => {
      const store = await h.open();
      assert.strictEqual(await store.delete(h.key()), false);
    });

    test('reports kind and persistent', async (h) => {
      const store = await h.open();
      assert.strictEqual(typeof store.kind, 'string');
      assert.ok(store.kind.length > 0, 'kind is not empty');
      assert.strictEqual(typeof store.persistent, 'boolean');
    });
  });
}
