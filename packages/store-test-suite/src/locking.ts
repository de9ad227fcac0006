import { describe, expect, it } from 'vitest';
import { harness, randomId, sleep } from './lib/harness.js';
import type { StoreFactory } from './types.js';

export function lockingTests(factory: StoreFactory, sharedBackend: boolean): void {
  describe('locks (add + deleteIfEquals)', () => {
    const h = harness(factory);

    it('20 concurrent adds on one key: exactly one wins', async () => {
      const store = await h.open();
      const key = h.key('lock');
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.add(key, `owner-${i}`, 10_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.get(key)).toBe(`owner-${results.indexOf(true)}`);
    });

    it.runIf(sharedBackend)('20 concurrent adds across two instances: exactly one wins', async () => {
      const prefix = `test:${randomId()}:`;
      const [a, b] = [await h.open(prefix), await h.open(prefix)];
      const key = h.key('lock');
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).add(key, `owner-${i}`, 10_000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = `owner-${results.indexOf(true)}`;
      expect(await a.get(key)).toBe(winner);
      expect(await b.get(key)).toBe(winner);
    });

    it('only the owner releases; then the next add wins', async () => {
      const store = await h.open();
      const key = h.key('lock');
      expect(await store.add(key, 'owner-1', 10_000)).toBe(true);
      expect(await store.deleteIfEquals(key, 'owner-2')).toBe(false);
      expect(await store.add(key, 'owner-2', 10_000)).toBe(false);
      expect(await store.deleteIfEquals(key, 'owner-1')).toBe(true);
      expect(await store.add(key, 'owner-2', 10_000)).toBe(true);
    });

    it('a lock expires after its TTL and another add succeeds', async () => {
      const store = await h.open();
      const key = h.key('lock');
      expect(await store.add(key, 'crashed-holder', 100)).toBe(true);
      expect(await store.add(key, 'waiter', 100)).toBe(false);
      await sleep(250);
      expect(await store.add(key, 'waiter', 10_000)).toBe(true);
      expect(await store.get(key)).toBe('waiter');
      expect(await store.deleteIfEquals(key, 'crashed-holder')).toBe(false);
    });

    it('concurrent adds after expiry: exactly one wins', async () => {
      const store = await h.open();
      const key = h.key('lock');
      await store.add(key, 'stale', 50);
      await sleep(200);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.add(key, `owner-${i}`, 10_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });
}
