import { describe, expect, it } from 'vitest';
import { harness, sleep } from './lib/harness.js';
import type { StoreFactory } from './types.js';

export function deleteIfEqualsTests(factory: StoreFactory): void {
  describe('deleteIfEquals', () => {
    const h = harness(factory);

    it('deletes when the value matches', async () => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, 'token-a');
      expect(await store.deleteIfEquals(key, 'token-a')).toBe(true);
      expect(await store.get(key)).toBeUndefined();
    });

    it('keeps the value when it does not match', async () => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, 'token-a');
      expect(await store.deleteIfEquals(key, 'token-b')).toBe(false);
      expect(await store.get(key)).toBe('token-a');
    });

    it('compares as JSON, not loosely', async () => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, 1);
      expect(await store.deleteIfEquals(key, '1')).toBe(false);
      expect(await store.deleteIfEquals(key, true)).toBe(false);
      expect(await store.get(key)).toBe(1);
    });

    it('matches structured values', async () => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, { owner: 'x', n: [1, 2] });
      expect(await store.deleteIfEquals(key, { owner: 'y', n: [1, 2] })).toBe(false);
      expect(await store.deleteIfEquals(key, { owner: 'x', n: [1, 2] })).toBe(true);
      expect(await store.get(key)).toBeUndefined();
    });

    it('resolves false for a missing key', async () => {
      const store = await h.open();
      expect(await store.deleteIfEquals(h.key(), 'anything')).toBe(false);
    });

    it('resolves false for an expired value', async () => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, 'old', 50);
      await sleep(200);
      expect(await store.deleteIfEquals(key, 'old')).toBe(false);
    });
  });
}
