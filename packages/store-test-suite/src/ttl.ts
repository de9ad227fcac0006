import { describe, expect, it } from 'vitest';
import { harness, sleep } from './lib/harness.js';
import type { StoreFactory } from './types.js';

export function ttlTests(factory: StoreFactory): void {
  describe('TTL (milliseconds)', () => {
    const h = harness(factory);

    it('returns a value before its TTL and never after', async () => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, { v: 1 }, 150);
      expect(await store.get(key)).toStrictEqual({ v: 1 });
      await sleep(300);
      expect(await store.get(key)).toBeUndefined();
    });

    it('treats the TTL as milliseconds, not seconds', async () => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, 'short', 50);
      await sleep(200);
      expect(await store.get(key)).toBeUndefined();
    });

    it('keeps values without a TTL', async () => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, 'forever');
      await sleep(250);
      expect(await store.get(key)).toBe('forever');
    });

    it('set without a TTL replaces an earlier expiry', async () => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, 'first', 100);
      await store.set(key, 'second');
      await sleep(250);
      expect(await store.get(key)).toBe('second');
    });

    it('set with a TTL replaces an earlier value without one', async () => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, 'first');
      await store.set(key, 'second', 100);
      await sleep(250);
      expect(await store.get(key)).toBeUndefined();
    });

    it('delete of an expired value resolves false', async () => {
      const store = await h.open();
      const key = h.key();
      await store.set(key, 'gone', 50);
      await sleep(200);
      expect(await store.delete(key)).toBe(false);
    });
  });
}
