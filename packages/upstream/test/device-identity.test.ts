import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSealer, generateEncryptionKey } from '@mcpgate/core';
import { memoryStore } from '@mcpgate/core';
import type { Store } from '@mcpgate/core';
import type { DeviceAuthorizationOutcome } from '../src/device-authorization.js';
import type { UpstreamIdentityContext } from '../src/identity.js';
import { createUpstreamCredentials, type UpstreamCredentialsOptions } from '../src/upstream-credentials.js';
import { CredentialVault } from '../src/vault.js';
import { FakeAuthorizationServer, ISSUER, alice } from './fake-authorization-server.js';

/** MCP principals whose issuer is the upstream issuer: their subjects must match the approving account. */
const carol = { issuer: ISSUER, subject: 'carol' };
const mallory = { issuer: ISSUER, subject: 'mallory' };
const idToken = (sub: string, extra: Record<string, unknown> = {}) => ({ iss: ISSUER, aud: 'up', sub, ...extra });

function setup(overrides: Partial<UpstreamCredentialsOptions> = {}, store: Store = memoryStore(), as = new FakeAuthorizationServer()) {
  as.deviceScript = ['success'];
  const outcomes: DeviceAuthorizationOutcome[] = [];
  const warnings: string[] = [];
  const sealer = overrides.sealer ?? createSealer(generateEncryptionKey());
  const upstream = createUpstreamCredentials({
    store,
    sealer,
    issuer: ISSUER,
    clientId: 'up',
    fetch: as.fetch,
    logger: { warn: (message: string) => warnings.push(message), error: (message: string) => warnings.push(message) },
    onDeviceAuthorizationSettled: (_principal, outcome) => outcomes.push(outcome),
    ...overrides,
  });
  const vault = new CredentialVault({ store, sealer });
  const connect = async (principal: { issuer: string; subject: string }): Promise<void> => {
    await upstream.startDeviceAuthorization(principal);
    await vi.advanceTimersByTimeAsync(5_000);
  };
  return { as, store, vault, upstream, outcomes, warnings, connect };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('device authorization identity check (device-code phishing)', () => {
  it('same issuer, ID token sub equal to the principal: stores the set', async () => {
    const { as, vault, upstream, outcomes, connect } = setup();
    as.idTokenClaims = idToken('carol');
    await connect(carol);
    expect(outcomes).toEqual(['connected']);
    expect((await vault.get(carol))?.idToken).toBeDefined();
    expect(await upstream.lastDeviceAuthorization(carol)).toEqual({ outcome: 'connected', settledAt: expect.any(Number) });
    expect(as.userinfoTokens).toEqual([]);
  });

  it('same issuer, another account approved: stores nothing and records identity_mismatch for every instance', async () => {
    const store = memoryStore();
    const { as, vault, upstream, outcomes, warnings, connect } = setup({}, store);
    as.idTokenClaims = idToken('mallory');
    await connect(carol);
    expect(outcomes).toEqual(['identity_mismatch']);
    expect(await vault.get(carol)).toBeUndefined();
    expect(await vault.get(mallory)).toBeUndefined();
    expect(await store.get(CredentialVault.keyOf(carol))).toBeUndefined();
    await expect(upstream.accessToken(carol)).rejects.toMatchObject({ code: 'ERR_RECONNECT_REQUIRED' });
    expect(await upstream.lastDeviceAuthorization(carol)).toMatchObject({ outcome: 'identity_mismatch' });
    expect(await upstream.lastDeviceAuthorization(mallory)).toBeUndefined();
    expect(warnings.join('\n')).toMatch(/not the one of the user who started it/);
  });

  it('the record is shared through the store, expires after an hour and is cleared by a new start', async () => {
    const store = memoryStore();
    const sealer = createSealer(generateEncryptionKey());
    const one = setup({ sealer }, store);
    const two = setup({ sealer }, store);
    one.as.idTokenClaims = idToken('mallory');
    await one.connect(carol);
    expect(await two.upstream.lastDeviceAuthorization(carol)).toMatchObject({ outcome: 'identity_mismatch' });
    await two.upstream.startDeviceAuthorization(carol);
    expect(await one.upstream.lastDeviceAuthorization(carol)).toBeUndefined();
    two.upstream.close();
    one.as.deviceScript = ['success'];
    await one.connect(mallory);
    expect(await one.upstream.lastDeviceAuthorization(mallory)).toMatchObject({ outcome: 'connected' });
    await vi.advanceTimersByTimeAsync(3_600_001);
    expect(await one.upstream.lastDeviceAuthorization(mallory)).toBeUndefined();
  });

  it.each([
    ['another iss', { iss: 'https://evil.test' }],
    ['another aud', { aud: 'someone-else' }],
    ['no aud', { aud: undefined }],
  ])('ignores an ID token with %s (then nothing identifies the account: mismatch)', async (_what, change) => {
    const { as, vault, outcomes, warnings, connect } = setup();
    as.idTokenClaims = idToken('carol', change);
    await connect(carol);
    expect(outcomes).toEqual(['identity_mismatch']);
    expect(await vault.get(carol)).toBeUndefined();
    expect(warnings.join('\n')).toMatch(/id_token ignored/);
  });

  it('accepts an ID token whose aud is an array containing the client id', async () => {
    const { as, outcomes, connect } = setup();
    as.idTokenClaims = idToken('carol', { aud: ['other', 'up'] });
    await connect(carol);
    expect(outcomes).toEqual(['connected']);
  });

  it('an ignored ID token falls back to userinfo', async () => {
    const { as, outcomes, connect } = setup();
    as.idTokenClaims = idToken('mallory', { iss: 'https://evil.test' });
    as.userinfo = { sub: 'carol' };
    await connect(carol);
    expect(outcomes).toEqual(['connected']);
  });

  it('without an ID token, asks userinfo with the new access token', async () => {
    const { as, vault, outcomes, connect } = setup();
    as.userinfo = { sub: 'carol' };
    await connect(carol);
    expect(outcomes).toEqual(['connected']);
    const set = await vault.get(carol);
    expect(as.userinfoTokens).toEqual([set?.accessToken]);
  });

  it('without an ID token, a userinfo sub of another account is a mismatch', async () => {
    const { as, vault, outcomes, connect } = setup();
    as.userinfo = { sub: 'mallory' };
    await connect(carol);
    expect(outcomes).toEqual(['identity_mismatch']);
    expect(await vault.get(carol)).toBeUndefined();
  });

  it('same issuer and no identity at all (no ID token, no userinfo): mismatch, fail closed', async () => {
    const { as, vault, outcomes, upstream, connect } = setup({ endpoints: { tokenEndpoint: `${ISSUER}/token`, deviceAuthorizationEndpoint: `${ISSUER}/device` } });
    await connect(carol);
    expect(outcomes).toEqual(['identity_mismatch']);
    expect(as.userinfoTokens).toEqual([]);
    expect(await vault.get(carol)).toBeUndefined();
    expect(await upstream.lastDeviceAuthorization(carol)).toMatchObject({ outcome: 'identity_mismatch' });
  });

  it('a userinfo endpoint that cannot be reached fails the flow without storing', async () => {
    const as = new FakeAuthorizationServer();
    as.userinfo = { sub: 'carol' };
    const unreachable: typeof fetch = (input, init) =>
      String(input).endsWith('/me') ? Promise.reject(new TypeError('fetch failed')) : as.fetch(input, init);
    const { vault, outcomes, connect } = setup({ fetch: unreachable }, memoryStore(), as);
    await connect(carol);
    expect(outcomes).toEqual(['failed']);
    expect(await vault.get(carol)).toBeUndefined();
  });

  describe('different issuers (the MCP principal is not an account of the upstream server)', () => {
    it('without a verifier: accepted whoever approved (identities of two issuers cannot be compared)', async () => {
      const { as, vault, outcomes, connect } = setup();
      as.idTokenClaims = idToken('mallory');
      await connect(alice);
      expect(outcomes).toEqual(['connected']);
      expect(await vault.get(alice)).toBeDefined();
      expect(as.userinfoTokens).toEqual([]);
    });

    it.each([
      [true, 'connected'],
      [false, 'identity_mismatch'],
    ] as const)('a verifier answering %s decides (%s), given the principal, the upstream identity and the set', async (answer, outcome) => {
      const contexts: UpstreamIdentityContext[] = [];
      const { as, vault, outcomes, connect } = setup({
        verifyUpstreamIdentity: async (context) => {
          contexts.push(context);
          return answer;
        },
      });
      as.idTokenClaims = idToken('upstream-alice', { email: 'alice@example.com' });
      await connect(alice);
      expect(outcomes).toEqual([outcome]);
      expect(contexts).toEqual([
        {
          principal: alice,
          upstream: { issuer: ISSUER, subject: 'upstream-alice', claims: expect.objectContaining({ sub: 'upstream-alice', email: 'alice@example.com' }) },
          tokenSet: expect.objectContaining({ accessToken: expect.stringMatching(/^at-/), idToken: expect.any(String) }),
        },
      ]);
      expect((await vault.get(alice)) !== undefined).toBe(answer);
    });

    it('a verifier is given an unknown subject when nothing identifies the account', async () => {
      const contexts: UpstreamIdentityContext[] = [];
      const { outcomes, connect } = setup({ verifyUpstreamIdentity: (context) => (contexts.push(context), false) });
      await connect(alice);
      expect(outcomes).toEqual(['identity_mismatch']);
      expect(contexts[0]?.upstream).toEqual({ issuer: ISSUER, subject: undefined, claims: {} });
    });
  });

  it('a verifier replaces the default rule on the same issuer too; only `true` accepts, a throw fails', async () => {
    const accepting = setup({ verifyUpstreamIdentity: () => true });
    accepting.as.idTokenClaims = idToken('mallory');
    await accepting.connect(carol);
    expect(accepting.outcomes).toEqual(['connected']);

    const truthy = setup({ verifyUpstreamIdentity: (() => 'yes') as never });
    truthy.as.idTokenClaims = idToken('carol');
    await truthy.connect(carol);
    expect(truthy.outcomes).toEqual(['identity_mismatch']);

    const throwing = setup({
      verifyUpstreamIdentity: () => {
        throw new Error('directory down');
      },
    });
    throwing.as.idTokenClaims = idToken('carol');
    await throwing.connect(carol);
    expect(throwing.outcomes).toEqual(['failed']);
    expect(await throwing.vault.get(carol)).toBeUndefined();
  });

  it('refuses a verifier that is not a function', () => {
    expect(() => setup({ verifyUpstreamIdentity: 'yes' as never })).toThrow(/verifyUpstreamIdentity must be a function/);
  });
});
