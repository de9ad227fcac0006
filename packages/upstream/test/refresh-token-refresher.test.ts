import { describe, expect, it } from 'vitest';
import { refreshTokenRefresher } from '../src/refresh-token-refresher.js';
import { FakeAuthorizationServer, ISSUER } from './fake-authorization-server.js';

const tokenEndpoint = `${ISSUER}/token`;

import { endless, within, type Meter } from '../../../test/helpers/endless-response.js';

describe('refreshTokenRefresher', () => {
  it('replaces a rotated refresh token and turns expires_in into expiresAt (public client: client_id in the body)', async () => {
    const as = new FakeAuthorizationServer();
    const current = as.issue(-10);
    const next = await refreshTokenRefresher({ tokenEndpoint, clientId: 'up', fetch: as.fetch }).refresh(current);
    expect(next.refreshToken).not.toBe(current.refreshToken);
    expect(next.refreshToken).toBe(as.currentRefreshToken);
    expect(next.expiresAt).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 3599);
    expect(as.refreshBodies[0]?.get('client_id')).toBe('up');
    expect(as.refreshAuthorization[0]).toBeNull();
  });

  it('authenticates a confidential client with client_secret_basic', async () => {
    const as = new FakeAuthorizationServer();
    await refreshTokenRefresher({ tokenEndpoint, clientId: 'up', clientSecret: 's e:cret', fetch: as.fetch }).refresh(as.issue());
    expect(as.refreshAuthorization[0]).toBe(`Basic ${Buffer.from('up:s+e%3Acret').toString('base64')}`);
    expect(as.refreshBodies[0]?.has('client_id')).toBe(false);
  });

  it('keeps the old refresh token when the response carries none', async () => {
    const as = new FakeAuthorizationServer();
    as.rotate = false;
    const current = as.issue();
    const next = await refreshTokenRefresher({ tokenEndpoint, clientId: 'up', fetch: as.fetch }).refresh(current);
    expect(next.refreshToken).toBe(current.refreshToken);
    expect(next.accessToken).not.toBe(current.accessToken);
  });

  it('turns invalid_grant (a reused rotated refresh token) into ReconnectRequiredError', async () => {
    const as = new FakeAuthorizationServer();
    const refresher = refreshTokenRefresher({ tokenEndpoint, clientId: 'up', fetch: as.fetch });
    const current = as.issue();
    await refresher.refresh(current);
    await expect(refresher.refresh(current)).rejects.toMatchObject({ code: 'ERR_RECONNECT_REQUIRED' });
  });

  it('turns network failures, timeouts and 5xx into ServiceUnavailableError (upstream)', async () => {
    const current = { accessToken: 'a', tokenType: 'Bearer', refreshToken: 'r' };
    const failing = refreshTokenRefresher({ tokenEndpoint, clientId: 'up', fetch: () => Promise.reject(new TypeError('fetch failed')) });
    await expect(failing.refresh(current)).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE', dependency: 'upstream' });
    const slow = refreshTokenRefresher({
      tokenEndpoint,
      clientId: 'up',
      timeoutMs: 50,
      fetch: (_input, init) =>
        new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason))),
    });
    await expect(slow.refresh(current)).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE', message: expect.stringMatching(/50 ms/) });
    const broken = refreshTokenRefresher({ tokenEndpoint, clientId: 'up', fetch: async () => new Response('oops', { status: 502 }) });
    await expect(broken.refresh(current)).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE', dependency: 'upstream' });
  });

  it('processes responses strictly and validates options at construction', async () => {
    const current = { accessToken: 'a', tokenType: 'Bearer', refreshToken: 'r' };
    const answer = (body: unknown) => refreshTokenRefresher({ tokenEndpoint, clientId: 'up', fetch: async () => Response.json(body) });
    await expect(answer({ access_token: 'x' }).refresh(current)).rejects.toThrow(/token_type/);
    await expect(answer({ access_token: 1, token_type: 'Bearer' }).refresh(current)).rejects.toThrow(/access_token/);
    await expect(answer({ access_token: 'x', token_type: 'Bearer', expires_in: '60' }).refresh(current)).rejects.toThrow(/expires_in/);
    await expect(answer({ access_token: 'x', token_type: 'Bearer' }).refresh({ accessToken: 'a', tokenType: 'Bearer' })).rejects.toMatchObject({
      code: 'ERR_RECONNECT_REQUIRED',
    });
    expect(() => refreshTokenRefresher({ tokenEndpoint: 'not a url', clientId: 'up' })).toThrow(/tokenEndpoint/);
    expect(() => refreshTokenRefresher({ tokenEndpoint, clientId: '' })).toThrow(/clientId/);
    expect(() => refreshTokenRefresher({ tokenEndpoint, clientId: 'up', timeoutMs: 0 })).toThrow(/timeoutMs/);
  });
});

describe('answers from the upstream token endpoint', () => {
  it('stops reading an endless answer past 64 KiB and answers 503', async () => {
    const meter: Meter = { bytes: 0, cancelled: false };
    const refresher = refreshTokenRefresher({ tokenEndpoint: 'https://as.test/token', clientId: 'up', fetch: async () => endless(meter), timeoutMs: 10_000 });
    await expect(within(2_000, refresher.refresh({ accessToken: 'a', tokenType: 'Bearer', refreshToken: 'r' }))).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE' });
    expect(meter.cancelled).toBe(true);
    expect(meter.bytes).toBeLessThanOrEqual(65_536 + 2 * 16_384);
  });
});
