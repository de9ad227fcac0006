import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSealer, generateEncryptionKey } from '@mcpgate/core';
import { memoryStore } from '@mcpgate/core';
import type { Store } from '@mcpgate/core';
import { createUpstreamCredentials, type UpstreamCredentialsOptions } from '../src/upstream-credentials.js';
import { CredentialVault } from '../src/vault.js';
import { API, FakeAuthorizationServer, ISSUER, alice, bob } from './fake-authorization-server.js';

const sealer = createSealer(generateEncryptionKey());

function setup(overrides: Partial<UpstreamCredentialsOptions> = {}, store: Store = memoryStore(), as = new FakeAuthorizationServer()) {
  const upstream = createUpstreamCredentials({ store, sealer, issuer: ISSUER, clientId: 'up', fetch: as.fetch, logger: { warn: () => {}, error: () => {} }, ...overrides });
  const vault = new CredentialVault({ store, sealer });
  return { as, store, vault, upstream };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('createUpstreamCredentials', () => {
  it('asks the user to run connect_upstream when there is no set', async () => {
    const { upstream } = setup();
    await expect(upstream.accessToken(alice)).rejects.toMatchObject({ code: 'ERR_RECONNECT_REQUIRED', message: /connect_upstream/ });
    expect(await upstream.tokenSet(alice)).toBeUndefined();
  });

  it('returns a fresh token without refreshing', async () => {
    const { as, vault, upstream } = setup();
    const set = as.issue(3600);
    await vault.put(alice, set);
    expect(await upstream.accessToken(alice)).toBe(set.accessToken);
    expect(as.refreshRequests).toBe(0);
  });

  it('refreshes an expired set exactly once for 20 concurrent calls', async () => {
    const { as, vault, upstream } = setup();
    await vault.put(alice, as.issue(-5), Math.floor(Date.now() / 1000) - 3605);
    const tokens = await Promise.all(Array.from({ length: 20 }, () => upstream.accessToken(alice)));
    expect(as.refreshRequests).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    expect(as.validAccessTokens.has(tokens[0]!)).toBe(true);
    expect((await vault.get(alice))?.refreshToken).toBe(as.currentRefreshToken);
  });

  it('counts a short-lived token just refreshed as fresh for half its lifetime, whatever the fraction of the second', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(Math.ceil(Date.now() / 1000) * 1000 + 950)); // x.950 s
    const { as, vault, upstream } = setup();
    as.accessTtlSeconds = 2;
    await vault.put(alice, as.issue(-5), Date.now() / 1000 - 10);
    const first = await upstream.accessToken(alice);
    expect(as.refreshRequests).toBe(1);
    vi.setSystemTime(Date.now() + 500); // (x+1).450 s: half a second into a 2 s token
    expect(await upstream.accessToken(alice)).toBe(first);
    expect(as.refreshRequests).toBe(1);
    vi.setSystemTime(Date.now() + 700); // past half its lifetime: refreshed ahead of expiry, once
    expect(await upstream.accessToken(alice)).not.toBe(first);
    expect(as.refreshRequests).toBe(2);
  });

  it('refreshes exactly once across two instances sharing one store', async () => {
    const store = memoryStore();
    const as = new FakeAuthorizationServer();
    as.refreshDelayMs = 100;
    const one = setup({}, store, as);
    const two = setup({}, store, as);
    await one.vault.put(alice, as.issue(-5), Math.floor(Date.now() / 1000) - 3605);
    const tokens = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? one.upstream : two.upstream).accessToken(alice)),
    );
    expect(as.refreshRequests).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    expect(await store.get(CredentialVault.lockKeyOf(alice))).toBeUndefined();
  });

  it('takes over from a crashed lock holder once its lock expires', async () => {
    const { as, store, vault, upstream } = setup();
    await vault.put(alice, as.issue(-5), Math.floor(Date.now() / 1000) - 3605);
    await store.add(CredentialVault.lockKeyOf(alice), 'crashed-owner', 300);
    const started = Date.now();
    const token = await upstream.accessToken(alice);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(as.refreshRequests).toBe(1);
    expect(as.validAccessTokens.has(token)).toBe(true);
  });

  it('keeps the rotation chain intact across repeated expiries', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { as, vault, upstream } = setup();
    await vault.put(alice, as.issue(3600));
    const seen = new Set<string>();
    for (let round = 1; round <= 5; round++) {
      vi.setSystemTime(Date.now() + 3_600_000);
      const tokens = await Promise.all(Array.from({ length: 5 }, () => upstream.accessToken(alice)));
      expect(new Set(tokens).size).toBe(1);
      seen.add(tokens[0]!);
      expect(as.refreshRequests).toBe(round);
      expect(as.currentRefreshToken).toBeDefined();
    }
    expect(seen.size).toBe(5);
  });

  it('retries writing a rotated set when the store fails once, so the new refresh token is not lost', async () => {
    const inner = memoryStore();
    let failNextSet = false;
    const flaky: Store = {
      ...inner,
      set: async (key, value, ttl) => {
        if (failNextSet && key.startsWith('upstream:')) {
          failNextSet = false;
          throw new Error('store hiccup');
        }
        return inner.set(key, value, ttl);
      },
    };
    const { as, vault, upstream } = setup({}, flaky);
    await vault.put(alice, as.issue(-5), Math.floor(Date.now() / 1000) - 3605);
    failNextSet = true;
    const token = await upstream.accessToken(alice);
    expect(as.refreshRequests).toBe(1);
    expect(failNextSet).toBe(false);
    expect((await vault.get(alice))?.refreshToken).toBe(as.currentRefreshToken);
    expect((await vault.get(alice))?.accessToken).toBe(token);
  });

  it('keeps the old refresh token when the AS does not rotate', async () => {
    const { as, vault, upstream } = setup();
    as.rotate = false;
    const set = as.issue(-5);
    await vault.put(alice, set);
    await upstream.accessToken(alice);
    expect((await vault.get(alice))?.refreshToken).toBe(set.refreshToken);
  });

  it('keeps using a stale but unexpired token while the upstream server is down', async () => {
    const as = new FakeAuthorizationServer();
    const down: typeof fetch = async (input, init) =>
      String(input).endsWith('/token') ? Promise.reject(new TypeError('fetch failed')) : as.fetch(input, init);
    const { vault, upstream } = setup({ fetch: down }, memoryStore(), as);
    const set = as.issue(30);
    await vault.put(alice, set, Math.floor(Date.now() / 1000) - 3570);
    expect(await upstream.accessToken(alice)).toBe(set.accessToken);
    await vault.put(alice, as.issue(-1), Math.floor(Date.now() / 1000) - 3601);
    await expect(upstream.accessToken(alice)).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE', dependency: 'upstream' });
  });

  it('deletes the set on invalid_grant and asks the user to reconnect', async () => {
    const { as, vault, upstream } = setup();
    await vault.put(alice, as.issue(-5));
    as.currentRefreshToken = 'revoked-by-the-user';
    await expect(upstream.accessToken(alice)).rejects.toMatchObject({ code: 'ERR_RECONNECT_REQUIRED' });
    expect(await vault.get(alice)).toBeUndefined();
    expect(await upstream.tokenSet(alice)).toBeUndefined();
  });

  it('fetch adds the upstream bearer token and, on a 401, refreshes once and retries once', async () => {
    const { as, vault, upstream } = setup();
    const set = as.issue(3600);
    await vault.put(alice, set);
    const ok = await upstream.fetch(alice, API);
    expect(await ok.json()).toEqual({ sub: 'upstream-alice', token: set.accessToken });
    as.validAccessTokens.delete(set.accessToken);
    const retried = await upstream.fetch(alice, API, { headers: { accept: 'application/json' } });
    expect(retried.status).toBe(200);
    expect(as.refreshRequests).toBe(1);
    as.apiRefuses = true;
    const before = as.apiRequests;
    const refused = await upstream.fetch(alice, API);
    expect(refused.status).toBe(401);
    expect(as.apiRequests - before).toBe(2);
    expect(as.refreshRequests).toBe(2);
  });

  it('keeps users apart and forgets a set on disconnect', async () => {
    const { as, vault, upstream } = setup();
    await vault.put(alice, as.issue());
    await expect(upstream.accessToken(bob)).rejects.toMatchObject({ code: 'ERR_RECONNECT_REQUIRED' });
    await upstream.disconnect(alice);
    await expect(upstream.accessToken(alice)).rejects.toMatchObject({ code: 'ERR_RECONNECT_REQUIRED' });
  });

  it('discovers endpoints once and checks the issuer; validates options', async () => {
    const { as, upstream } = setup();
    expect(await upstream.endpoints()).toEqual({
      tokenEndpoint: `${ISSUER}/token`,
      deviceAuthorizationEndpoint: `${ISSUER}/device`,
      userinfoEndpoint: `${ISSUER}/me`,
    });
    await upstream.endpoints();
    expect(as.metadataRequests).toBe(1);
    const wrong = setup({ issuer: 'https://as.test/other' });
    await expect(wrong.upstream.endpoints()).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE', dependency: 'discovery' });
    expect(() => setup({ clientId: '' })).toThrow(/clientId/);
    expect(() => setup({ timeoutMs: 20_000 })).toThrow(/timeoutMs/);
    expect(() => setup({ refreshSkewSeconds: -1 })).toThrow(/refreshSkewSeconds/);
    expect(() => setup({ endpoints: { tokenEndpoint: 'nope' } })).toThrow(/endpoints.tokenEndpoint/);
  });
});
