import { describe, expect, it } from 'vitest';
import type { JsonValue } from '@mcpgate/core';
import { harness } from './lib/harness.js';
import type { StoreFactory } from './types.js';

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

export function basicTests(factory: StoreFactory): void {
  describe('get / set / delete', () => {
    const h = harness(factory);

    it('returns undefined for a missing key', async () => {
      const store = await h.open();
      expect(await store.get(h.key())).toBeUndefined();
    });

    it.each(samples)('round-trips %s as JSON', async (_label, value) => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, value);
      expect(await store.get(key)).toStrictEqual(value);
    });

    it('returns a copy, not the stored value', async () => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, { list: [1] });
      const first = await store.get<{ list: number[] }>(key);
      first?.list.push(2);
      expect(await store.get(key)).toStrictEqual({ list: [1] });
    });

    it('overwrites an existing value', async () => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, 'one');
      await store.set(key, { two: 2 });
      expect(await store.get(key)).toStrictEqual({ two: 2 });
    });

    it('accepts keys with colons, spaces and unicode', async () => {
      const store = await h.open();
      const key = `${h.key()}:a b/ü🔑`;
      await store.set(key, 1);
      expect(await store.get(key)).toBe(1);
    });

    it('delete resolves true once, then false', async () => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, 'x');
      expect(await store.delete(key)).toBe(true);
      expect(await store.get(key)).toBeUndefined();
      expect(await store.delete(key)).toBe(false);
    });

    it('delete of a missing key resolves false', async () => {
      const store = await h.open();
      expect(await store.delete(h.key())).toBe(false);
    });

    it('reports kind and persistent', async () => {
      const store = await h.open();
      expect(typeof store.kind).toBe('string');
      expect(store.kind.length).toBeGreaterThan(0);
      expect(typeof store.persistent).toBe('boolean');
    });
  });
}
