/**
 * Upstream credentials against the real development authorization server (oidc-provider): the device
 * flow approved as a user, the tokens used at userinfo, and exactly one refresh grant for 20
 * concurrent callers once the (2-second) upstream access token goes stale, with rotated refresh tokens.
 */
import { approveDeviceCode, startDevAuthorizationServer, type DevAuthorizationServer } from '@mcpgate/example-dev-authorization-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryStore } from '@mcpgate/core';
import { createUpstreamCredentials, type DeviceAuthorizationOutcome, type UpstreamCredentials } from '@mcpgate/upstream';

const principal = { issuer: 'https://mcp-login.test', subject: 'mcp-user-1' };
const other = { issuer: 'https://mcp-login.test', subject: 'mcp-user-2' };

describe('upstream credentials with the dev authorization server', () => {
  let as: DevAuthorizationServer;
  let upstream: UpstreamCredentials;
  const outcomes: DeviceAuthorizationOutcome[] = [];

  beforeAll(async () => {
    as = await startDevAuthorizationServer({ resource: 'http://127.0.0.1:1/mcp', upstreamAccessTokenTtlSeconds: 2 });
    upstream = createUpstreamCredentials({
      store: memoryStore(),
      issuer: as.issuer,
      clientId: as.deviceClient.clientId,
      onDeviceAuthorizationSettled: (_p, outcome) => outcomes.push(outcome),
    });
  });

  afterAll(async () => {
    upstream?.close();
    await as?.close();
  });

  it('connects through the device flow and calls userinfo as the user', async () => {
    const prompt = await upstream.startDeviceAuthorization(principal);
    expect(prompt).toMatchObject({ user_code: expect.any(String), verification_uri: expect.any(String), expires_in: expect.any(Number) });
    await approveDeviceCode(prompt.verification_uri_complete!, { login: 'alice' });
    const deadline = Date.now() + 20_000;
    while (outcomes.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(outcomes).toEqual(['connected']);
    const { userinfoEndpoint } = await upstream.endpoints();
    const response = await upstream.fetch(principal, userinfoEndpoint!);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ sub: 'alice' });
    await expect(upstream.accessToken(other)).rejects.toMatchObject({ code: 'ERR_RECONNECT_REQUIRED' });
  });

  it('refreshes a stale token exactly once for 20 concurrent callers, twice in a row', async () => {
    for (let round = 0; round < 2; round++) {
      const set = await upstream.tokenSet(principal);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, set!.expiresAt! * 1000 - Date.now()) + 100));
      const before = as.stats.refreshGrants;
      const tokens = await Promise.all(Array.from({ length: 20 }, () => upstream.accessToken(principal)));
      expect(as.stats.refreshGrants - before).toBe(1);
      expect(new Set(tokens).size).toBe(1);
      const response = await upstream.fetch(principal, (await upstream.endpoints()).userinfoEndpoint!);
      expect(response.status).toBe(200);
    }
  });
});
