import { describe, expect, it } from 'vitest';
import { harness, sleep } from './lib/harness.js';
import type { StoreFactory } from './types.js';

export function addTests(factory: StoreFactory): void {
  describe('add (set if absent)', () => {
    const h = harness(factory);

    it('stores when absent and refuses when present', async () => {
      const store = await h.open();
      const key = h.key();
      expect(await store.add(key, { owner: 'a' }, 10_000)).toBe(true);
      expect(await store.add(key, { owner: 'b' }, 10_000)).toBe(false);
      expect(await store.get(key)).toStrictEqual({ owner: 'a' });
    });

    it('refuses when a value was stored with set', async () => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, 'existing');
      expect(await store.add(key, 'new', 10_000)).toBe(false);
      expect(await store.get(key)).toBe('existing');
    });

    it('stores again once the previous value expired', async () => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, 'old', 50);
      await sleep(200);
      expect(await store.add(key, 'new', 10_000)).toBe(true);
      expect(await store.get(key)).toBe('new');
    });

    it('stores again after a delete', async () => {
      const store = await h.open();
      const key = h.key();
      expect(await store.add(key, 1, 10_000)).toBe(true);
      await store.delete(key);
      expect(await store.add(key, 2, 10_000)).toBe(true);
      expect(await store.get(key)).toBe(2);
    });

    it('applies its TTL in milliseconds', async () => {
      const store = await h.open();
      const key = h.key();
      expect(await store.add(key, 'ttl', 100)).toBe(true);
      expect(await store.get(key)).toBe('ttl');
      await sleep(250);
      expect(await store.get(key)).toBeUndefined();
    });
  });
}
