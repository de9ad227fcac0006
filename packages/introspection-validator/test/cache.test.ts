import { memoryStore } from '@mcpgate/core';
import type { Store } from '@mcpgate/core';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { introspectionValidator } from '../src/index.js';
import { RESOURCE, activeClaims, baseOptions, fakeFetch, json, nowSeconds } from './helpers.js';

const ctx = { resource: RESOURCE };

afterEach(() => {
  vi.useRealTimers();
});

describe('caching', () => {
  it('introspects a token once for 20 validations', async () => {
    const { fetch, calls } = fakeFetch(() => json(activeClaims()));
    const validator = introspectionValidator({ ...baseOptions, fetch });
    for (let i = 0; i < 20; i++) await validator.validate('tok', ctx);
    expect(calls).toHaveLength(1);
  });

  it('caches an inactive answer (negative cache)', async () => {
    const { fetch, calls } = fakeFetch(() => json({ active: false }));
    const validator = introspectionValidator({ ...baseOptions, fetch });
    for (let i = 0; i < 2; i++) await expect(validator.validate('tok', ctx)).rejects.toMatchObject({ reason: 'inactive' });
    expect(calls).toHaveLength(1);
  });

  it('shares one in-flight call among 50 concurrent validations', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { fetch, calls } = fakeFetch(async () => {
      await gate;
      return json(activeClaims());
    });
    const validator = introspectionValidator({ ...baseOptions, fetch });
    const all = Promise.all(Array.from({ length: 50 }, () => validator.validate('fresh', ctx)));
    await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    const principals = await all;
    expect(calls).toHaveLength(1);
    expect(new Set(principals.map((p) => p.subject))).toEqual(new Set(['user-1']));
  });

  it('never keeps an answer past the token exp', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const exp = nowSeconds() + 1;
    let active = true;
    const { fetch, calls } = fakeFetch(() => json(active ? activeClaims({ exp }) : { active: false }));
    const validator = introspectionValidator({ ...baseOptions, fetch, cacheTtlSeconds: 60 });
    await expect(validator.validate('short', ctx)).resolves.toMatchObject({ expiresAt: exp });
    await validator.validate('short', ctx);
    expect(calls).toHaveLength(1);
    active = false;
    vi.setSystemTime(Date.now() + 1_500);
    await expect(validator.validate('short', ctx)).rejects.toMatchObject({ reason: 'inactive' });
    expect(calls).toHaveLength(2);
  });

  it('re-asks after cacheTtlSeconds (the revocation lag)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    let active = true;
    const { fetch, calls } = fakeFetch(() => json(active ? activeClaims({ exp: nowSeconds() + 3600 }) : { active: false }));
    const validator = introspectionValidator({ ...baseOptions, fetch, cacheTtlSeconds: 10 });
    await validator.validate('revoked-later', ctx);
    active = false;
    vi.setSystemTime(Date.now() + 9_000);
    await expect(validator.validate('revoked-later', ctx)).resolves.toBeDefined();
    vi.setSystemTime(Date.now() + 2_000);
    await expect(validator.validate('revoked-later', ctx)).rejects.toMatchObject({ reason: 'inactive' });
    expect(calls).toHaveLength(2);
  });

  it('stores the claims under the SHA-256 of the token, never the token', async () => {
    const store = memoryStore();
    const set = vi.spyOn(store, 'set');
    const { fetch } = fakeFetch(() => json(activeClaims()));
    await introspectionValidator({ ...baseOptions, fetch, cache: store, cacheTtlSeconds: 30 }).validate('secret-token-bytes', ctx);
    const hash = createHash('sha256').update('secret-token-bytes').digest('base64url');
    expect(set).toHaveBeenCalledTimes(1);
    const [key, value, ttl] = set.mock.calls[0]!;
    expect(key).toBe(`mcpgate:v1:introspection:${hash}`);
    expect(JSON.stringify(value)).not.toContain('secret-token-bytes');
    expect(ttl).toBe(30_000);
  });

  it('shares answers between validators through a shared store', async () => {
    const store = memoryStore();
    const { fetch, calls } = fakeFetch(() => json(activeClaims({ exp: undefined })));
    const first = await introspectionValidator({ ...baseOptions, fetch, cache: store }).validate('tok', ctx);
    const second = await introspectionValidator({ ...baseOptions, fetch, cache: store }).validate('tok', ctx);
    expect(calls).toHaveLength(1);
    expect(second).toEqual(first);
  });

  it('introspects without the cache when the store fails or hangs, warning once without the token', async () => {
    const broken: Store = {
      ...memoryStore(),
      kind: 'broken',
      get: () => Promise.reject(new Error('ECONNREFUSED')),
      set: () => new Promise<void>(() => undefined),
    };
    const warn = vi.fn();
    const { fetch, calls } = fakeFetch(() => json(activeClaims()));
    const validator = introspectionValidator({ ...baseOptions, fetch, cache: broken, timeoutMs: 50, logger: { warn, error: warn } });
    await validator.validate('tok-in-flight', ctx);
    await validator.validate('tok-in-flight', ctx);
    expect(calls).toHaveLength(2);
    expect(warn).toHaveBeenCalledTimes(2); // once for get, once for set
    expect(JSON.stringify(warn.mock.calls)).not.toContain('tok-in-flight');
  });
});
