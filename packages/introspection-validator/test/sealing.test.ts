import { createHash } from 'node:crypto';
import { createSealer, generateEncryptionKey, memoryStore } from '@mcpgate/core';
import type { JsonValue, Store } from '@mcpgate/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { introspectionValidator } from '../src/index.js';
import { ISSUER, RESOURCE, activeClaims, baseOptions, fakeFetch, json, nowSeconds } from './helpers.js';

const ctx = { resource: RESOURCE };
const keyOf = (token: string): string => `mcpgate:v1:introspection:${createHash('sha256').update(token).digest('base64url')}`;
/** A store that says it outlives the process, as Redis and SQLite do. */
const persistentStore = (): Store => ({ ...memoryStore(), kind: 'shared', persistent: true });
const forgedClaims = () => ({ active: true, iss: ISSUER, sub: 'mallory', scope: 'mcp:tools mcp:admin', aud: RESOURCE, exp: nowSeconds() + 3600 });

afterEach(() => {
  vi.useRealTimers();
});

describe('sealed verdicts', () => {
  it('refuses a persistent cache without a sealer at construction (the message names sealer)', () => {
    expect(() => introspectionValidator({ ...baseOptions, cache: persistentStore() })).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringContaining('sealer') }),
    );
    expect(() => introspectionValidator({ ...baseOptions, cache: persistentStore(), sealer: createSealer(generateEncryptionKey()) })).not.toThrow();
    expect(() => introspectionValidator({ ...baseOptions, cache: memoryStore() })).not.toThrow();
    expect(() => introspectionValidator({ ...baseOptions, sealer: {} as never })).toThrow(/sealer/);
  });

  it('stores a sealed value that reveals no claim, and reuses it', async () => {
    const store = persistentStore();
    const { fetch, calls } = fakeFetch(() => json(activeClaims()));
    const key = generateEncryptionKey();
    await introspectionValidator({ ...baseOptions, fetch, cache: store, sealer: createSealer(key) }).validate('tok', ctx);
    const stored = await store.get(keyOf('tok'));
    expect(stored).toMatchObject({ v: 1, kid: expect.any(String), iv: expect.any(String), ct: expect.any(String), tag: expect.any(String) });
    expect(JSON.stringify(stored)).not.toContain('user-1');
    // another instance with the same key reuses it
    await introspectionValidator({ ...baseOptions, fetch, cache: store, sealer: createSealer(key) }).validate('tok', ctx);
    expect(calls).toHaveLength(1);
    // another key does not open it: introspected again
    const logger = { warn: () => undefined, error: () => undefined };
    await introspectionValidator({ ...baseOptions, fetch, cache: store, sealer: createSealer(generateEncryptionKey()), logger }).validate('tok', ctx);
    expect(calls).toHaveLength(2);
  });

  it('keeps verdicts usable across a key rotation (new key first, old kept)', async () => {
    const store = persistentStore();
    const { fetch, calls } = fakeFetch(() => json(activeClaims()));
    const oldKey = { id: 'old', key: generateEncryptionKey() };
    await introspectionValidator({ ...baseOptions, fetch, cache: store, sealer: createSealer(oldKey) }).validate('tok', ctx);
    const rotated = createSealer([{ id: 'new', key: generateEncryptionKey() }, oldKey]);
    await expect(introspectionValidator({ ...baseOptions, fetch, cache: store, sealer: rotated }).validate('tok', ctx)).resolves.toMatchObject({
      subject: 'user-1',
    });
    expect(calls).toHaveLength(1);
  });

  it('ignores a forged unsealed verdict (old and new shape) for a made-up token, introspects, and warns without the token', async () => {
    const store = persistentStore();
    const warn = vi.fn();
    const { fetch, calls } = fakeFetch(() => json({ active: false }));
    const validator = introspectionValidator({ ...baseOptions, fetch, cache: store, sealer: createSealer(generateEncryptionKey()), logger: { warn, error: warn } });
    const claims = forgedClaims();
    await store.set(keyOf('made-up-1'), { active: true, at: nowSeconds(), claims } as JsonValue, 60_000);
    await store.set(keyOf('made-up-2'), { verdict: { active: true, at: nowSeconds(), claims }, until: Date.now() + 60_000 } as JsonValue, 60_000);
    await expect(validator.validate('made-up-1', ctx)).rejects.toMatchObject({ code: 'ERR_INVALID_TOKEN', reason: 'inactive' });
    await expect(validator.validate('made-up-2', ctx)).rejects.toMatchObject({ code: 'ERR_INVALID_TOKEN', reason: 'inactive' });
    expect(calls).toHaveLength(2);
    expect(warn).toHaveBeenCalledTimes(1); // rate-limited
    expect(warn.mock.calls[0]?.[0]).toMatch(/not sealed/);
    expect(JSON.stringify(warn.mock.calls)).not.toContain('made-up');
  });

  it('refuses a genuine sealed verdict copied under another token key', async () => {
    const store = persistentStore();
    const { fetch, calls } = fakeFetch((call) => json(call.body.get('token') === 'alice-token' ? activeClaims({ sub: 'alice' }) : { active: false }));
    const validator = introspectionValidator({ ...baseOptions, fetch, cache: store, sealer: createSealer(generateEncryptionKey()), logger: { warn: () => undefined, error: () => undefined } });
    await expect(validator.validate('alice-token', ctx)).resolves.toMatchObject({ subject: 'alice' });
    await store.set(keyOf('made-up'), (await store.get(keyOf('alice-token'))) as JsonValue, 60_000);
    await expect(validator.validate('made-up', ctx)).rejects.toMatchObject({ reason: 'inactive' });
    expect(calls).toHaveLength(2);
  });

  it('refuses a replayed sealed verdict past its own expiry (revoked token, store TTL bypassed)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const store = persistentStore();
    let active = true;
    const { fetch, calls } = fakeFetch(() => json(active ? activeClaims() : { active: false }));
    const validator = introspectionValidator({ ...baseOptions, fetch, cache: store, cacheTtlSeconds: 10, sealer: createSealer(generateEncryptionKey()) });
    await validator.validate('revoked', ctx);
    const captured = (await store.get(keyOf('revoked'))) as JsonValue;
    active = false;
    vi.setSystemTime(Date.now() + 11_000);
    await store.set(keyOf('revoked'), captured, 3_600_000); // the attacker writes the old value back, with a long TTL
    await expect(validator.validate('revoked', ctx)).rejects.toMatchObject({ reason: 'inactive' });
    expect(calls).toHaveLength(2);
  });

  it('also refuses an expired entry in an unsealed in-process cache', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const store = memoryStore();
    let active = true;
    const { fetch, calls } = fakeFetch(() => json(active ? activeClaims() : { active: false }));
    const validator = introspectionValidator({ ...baseOptions, fetch, cache: store, cacheTtlSeconds: 10 });
    await validator.validate('tok', ctx);
    const captured = (await store.get(keyOf('tok'))) as JsonValue;
    active = false;
    vi.setSystemTime(Date.now() + 11_000);
    await store.set(keyOf('tok'), captured, 3_600_000);
    await expect(validator.validate('tok', ctx)).rejects.toMatchObject({ reason: 'inactive' });
    expect(calls).toHaveLength(2);
  });
});
