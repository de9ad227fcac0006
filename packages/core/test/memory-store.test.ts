import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryStore } from '../src/memory-store.js';
import { ServiceUnavailableError } from '../src/errors.js';
import { guardStore } from '../src/lib/guarded-store.js';

const quiet = { warn: () => undefined, error: () => undefined };
const S = 'mcpgate:v1:';

describe('memoryStore bounds each kind of record on its own', () => {
  afterEach(() => vi.useRealTimers());

  it('a full kind refuses new keys, never evicting a live record, and other kinds are untouched', async () => {
    const store = memoryStore({ maxEntries: 3, logger: quiet });
    await store.set(`${S}session:alice`, 'alice', 60_000);
    await store.add(`${S}dpop-jti:a`, 1, 60_000);
    await store.add(`${S}dpop-jti:b`, 1, 60_000);
    await store.add(`${S}dpop-jti:c`, 1, 60_000);
    await expect(store.add(`${S}dpop-jti:d`, 1, 60_000)).rejects.toThrow(/memory store full/);
    // every marker is still there: a proof seen before stays refused
    for (const jti of ['a', 'b', 'c']) expect(await store.add(`${S}dpop-jti:${jti}`, 1, 60_000)).toBe(false);
    // overwriting an existing key of a full kind is allowed; another kind has its own room
    await store.set(`${S}dpop-jti:a`, 2, 60_000);
    for (const id of ['bob', 'carol']) await store.set(`${S}session:${id}`, id, 60_000);
    expect(await store.get(`${S}session:alice`)).toBe('alice');
  });

  it('makes room by dropping expired records first', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const store = memoryStore({ maxEntries: 2, logger: quiet });
    await store.add(`${S}dpop-jti:a`, 1, 1_000);
    await store.add(`${S}dpop-jti:b`, 1, 60_000);
    await expect(store.add(`${S}dpop-jti:c`, 1, 60_000)).rejects.toThrow(/full/);
    vi.setSystemTime(1_000_000 + 2_000);
    expect(await store.add(`${S}dpop-jti:c`, 1, 60_000)).toBe(true);
    expect(await store.add(`${S}dpop-jti:b`, 1, 60_000)).toBe(false);
  });

  it('rate buckets alone evict their least recently written', async () => {
    const store = memoryStore({ maxEntries: 64, logger: quiet });
    await store.set(`${S}session:alice`, 'alice', 60_000);
    for (let i = 0; i < 200; i++) await store.set(`${S}ratelimit:${i}`, i, 60_000);
    expect(await store.get(`${S}ratelimit:199`)).toBe(199);
    expect(await store.get(`${S}ratelimit:0`)).toBeUndefined();
    expect(await store.get(`${S}session:alice`)).toBe('alice');
  });

  it('a cache store (evictOldest) evicts in every kind', async () => {
    const store = memoryStore({ maxEntries: 64, logger: quiet, evictOldest: true });
    for (let i = 0; i < 200; i++) await store.set(`introspection:${i}`, i, 60_000);
    expect(await store.get('introspection:199')).toBe(199);
    expect(await store.get('introspection:0')).toBeUndefined();
    expect(() => memoryStore({ evictOldest: 'yes' } as never)).toThrow(/evictOldest/);
  });
});

describe('guarded memory store', () => {
  it('skips the timer only while a method is the memory store’s own: a replaced method that hangs still times out (503)', async () => {
    const store = memoryStore();
    const guarded = guardStore(store, 50);
    await guarded.set('k', 1, 60_000);
    expect(await guarded.get('k')).toBe(1);
    store.get = () => new Promise(() => undefined);
    await expect(guarded.get('k')).rejects.toBeInstanceOf(ServiceUnavailableError);
    store.add = () => {
      throw new Error('boom');
    };
    await expect(guarded.add('k2', 1, 1000)).rejects.toBeInstanceOf(ServiceUnavailableError);
  });
});
