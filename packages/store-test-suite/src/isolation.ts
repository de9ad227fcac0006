import { describe, expect, it } from 'vitest';
import { harness, randomId } from './lib/harness.js';
import type { StoreFactory } from './types.js';

export function isolationTests(factory: StoreFactory, sharedBackend: boolean): void {
  describe('isolation by key prefix', () => {
    const h = harness(factory);

    it('stores with different prefixes never see each other', async () => {
      const [a, b] = [await h.open(), await h.open()];
      const key = h.key();
      await a.set(key, 'from-a');
      expect(await b.get(key)).toBeUndefined();
      expect(await b.add(key, 'from-b', 10_000)).toBe(true);
      expect(await b.deleteIfEquals(key, 'from-a')).toBe(false);
      expect(await a.get(key)).toBe('from-a');
      expect(await b.delete(key)).toBe(true);
      expect(await a.get(key)).toBe('from-a');
    });

    it.runIf(sharedBackend)('stores with the same prefix share data', async () => {
      const prefix = `test:${randomId()}:`;
      const [a, b] = [await h.open(prefix), await h.open(prefix)];
      const key = h.key();
      await a.set(key, { shared: true });
      expect(await b.get(key)).toStrictEqual({ shared: true });
      expect(await b.deleteIfEquals(key, { shared: true })).toBe(true);
      expect(await a.get(key)).toBeUndefined();
    });
  });
}
