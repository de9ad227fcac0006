import { describe, expect, it } from 'vitest';
import { VerifiedTokenCache } from '../src/token-cache.js';
import type { Principal } from '../src/types.js';

const principal = (expiresAt: number): Principal => ({
  issuer: 'https://as',
  subject: 'alice',
  clientId: 'c',
  scopes: [],
  expiresAt,
  audience: [],
  claims: {},
});

describe('VerifiedTokenCache', () => {
  it('never keeps a verdict past the token expiry', () => {
    const cache = new VerifiedTokenCache({ maxTtlMs: 60_000 });
    const now = 1_000_000_000_000;
    cache.set('h', principal(now / 1000 + 2), now);
    expect(cache.get('h', now + 1_999)).toBeDefined();
    expect(cache.get('h', now + 2_000)).toBeUndefined();
  });

  it('caps the lifetime at maxTtlMs', () => {
    const cache = new VerifiedTokenCache({ maxTtlMs: 1_000 });
    const now = 1_000_000_000_000;
    cache.set('h', principal(now / 1000 + 3600), now);
    expect(cache.get('h', now + 999)).toBeDefined();
    expect(cache.get('h', now + 1_000)).toBeUndefined();
  });

  it('is bounded and evicts the least recently used (recency counted to the second)', () => {
    const cache = new VerifiedTokenCache({ maxEntries: 2 });
    const now = Date.now();
    const exp = now / 1000 + 60;
    cache.set('a', principal(exp), now);
    cache.set('b', principal(exp), now);
    cache.get('a', now + 1_000);
    cache.set('c', principal(exp), now + 1_000);
    expect(cache.size).toBe(2);
    expect(cache.get('b', now + 1_000)).toBeUndefined();
    expect(cache.get('a', now + 1_000)).toBeDefined();
  });
});

describe('VerifiedTokenCache notAfter', () => {
  it('honours a validator-imposed deadline before exp and maxTtlMs', () => {
    const cache = new VerifiedTokenCache({ maxTtlMs: 60_000 });
    const now = 1_000_000_000_000;
    cache.set('h', principal(now / 1000 + 3600), now, now + 500);
    expect(cache.get('h', now + 499)).toBeDefined();
    expect(cache.get('h', now + 500)).toBeUndefined();
  });
});
