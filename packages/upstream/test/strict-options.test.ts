import { describe, expect, it } from 'vitest';
import { memoryStore } from '@mcpgate/core';
import { refreshTokenRefresher } from '../src/refresh-token-refresher.js';
import { createUpstreamCredentials } from '../src/upstream-credentials.js';
import { CredentialVault } from '../src/vault.js';
import { ISSUER } from './fake-authorization-server.js';

const store = memoryStore();
const credentials = { store, issuer: ISSUER, clientId: 'up' };
const refresher = { tokenEndpoint: `${ISSUER}/token`, clientId: 'up' };

describe('unknown option keys throw a TypeError naming them', () => {
  it.each([
    ['createUpstreamCredentials', () => createUpstreamCredentials({ ...credentials, refreshSkewSecond: 30 } as never), /createUpstreamCredentials: unknown option "refreshSkewSecond" \(did you mean "refreshSkewSeconds"\?\)/],
    ['createUpstreamCredentials', () => createUpstreamCredentials({ ...credentials, verifyIdentity: () => true } as never), /unknown option "verifyIdentity"/],
    ['createUpstreamCredentials', () => createUpstreamCredentials({ ...credentials, onEvents: () => {} } as never), /unknown option "onEvents" \(did you mean "onEvent"\?\)/],
    ['createUpstreamCredentials endpoints', () => createUpstreamCredentials({ ...credentials, endpoints: { userInfoEndpoint: `${ISSUER}/me` } } as never), /endpoints: unknown option "userInfoEndpoint" \(did you mean "userinfoEndpoint"\?\)/],
    ['CredentialVault', () => new CredentialVault({ store, lockTtl: 1_000 } as never), /CredentialVault: unknown option "lockTtl" \(did you mean "lockTtlMs"\?\)/],
    ['refreshTokenRefresher', () => refreshTokenRefresher({ ...refresher, clientSecrets: 's' } as never), /refreshTokenRefresher: unknown option "clientSecrets" \(did you mean "clientSecret"\?\)/],
  ])('%s', (_owner, make, message) => {
    expect(make).toThrow(TypeError);
    expect(make).toThrow(message);
  });

  it('every documented option is still accepted', () => {
    const upstream = createUpstreamCredentials({
      ...credentials,
      sealer: undefined,
      clientSecret: 'secret',
      scope: 'openid',
      refreshSkewSeconds: 30,
      lockTtlMs: 15_000,
      fetch: globalThis.fetch,
      timeoutMs: 5_000,
      endpoints: { tokenEndpoint: `${ISSUER}/token`, deviceAuthorizationEndpoint: `${ISSUER}/device`, userinfoEndpoint: `${ISSUER}/me` },
      discoveryCacheTtlMs: 60_000,
      refresher: undefined,
      verifyUpstreamIdentity: () => true,
      onDeviceAuthorizationSettled: () => {},
      onEvent: () => {},
      logger: console,
    });
    upstream.close();
    expect(() => new CredentialVault({ store, sealer: undefined, lockTtlMs: 1_000, warn: () => {} })).not.toThrow();
    expect(() => refreshTokenRefresher({ ...refresher, clientSecret: 's', fetch: globalThis.fetch, timeoutMs: 1_000 })).not.toThrow();
  });
});
