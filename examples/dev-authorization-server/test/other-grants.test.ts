import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveDeviceCode, startDevAuthorizationServer, type DevAuthorizationServer } from '../src/index.js';
import { codeFlow, decodeJwtPayload, registerPublicClient, tokenRequest } from './helpers.js';

const RESOURCE = 'http://127.0.0.1:3998/mcp';
const OTHER = 'http://127.0.0.1:4998/other';

async function introspect(as: DevAuthorizationServer, token: string, mode: 'basic' | 'post' = 'basic') {
  const { clientId, clientSecret } = as.introspectionClient;
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  const params = new URLSearchParams({ token });
  if (mode === 'basic') headers.authorization = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
  else params.set('client_id', clientId), params.set('client_secret', clientSecret);
  const response = await fetch(`${as.issuer}/token/introspection`, { method: 'POST', headers, body: params });
  return (await response.json()) as Record<string, unknown>;
}

describe('opaque tokens, device flow, client credentials', () => {
  let as: DevAuthorizationServer;

  beforeAll(async () => {
    as = await startDevAuthorizationServer({
      resource: RESOURCE,
      extraResources: [OTHER],
      accessTokenFormat: 'opaque',
      accessTokenTtlSeconds: 5,
      upstreamAccessTokenTtlSeconds: 120,
    });
  });
  afterAll(async () => {
    await as.close();
  });

  it('introspects opaque MCP tokens (only for the introspection client) and reports revoked ones inactive', async () => {
    const clientId = await registerPublicClient(as);
    const { body } = await codeFlow(as, clientId, RESOURCE);
    const token = body.access_token ?? '';
    expect(token.split('.')).toHaveLength(1);
    expect(body.expires_in).toBe(5);
    as.stats.reset();
    const active = await introspect(as, token);
    expect(active).toMatchObject({ active: true, sub: 'alice', client_id: clientId, aud: RESOURCE, iss: as.issuer, scope: 'mcp:tools mcp:admin' });
    expect(active.exp).toBeTypeOf('number');
    expect(await introspect(as, token, 'post')).toMatchObject({ active: true, aud: RESOURCE });

    const response = await fetch(`${as.issuer}/token/introspection`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, client_id: clientId }),
    });
    expect(((await response.json()) as { active?: boolean }).active).toBe(false);

    await as.revoke(token);
    expect(await introspect(as, token)).toEqual({ active: false });
    expect(as.stats.introspections).toBe(4);
    await expect(as.revoke('a.b.c')).rejects.toMatchObject({ code: 'DEV_AS_JWT_NOT_REVOCABLE' });
  });

  it('runs the device flow: approval, tokens, userinfo, rotating refresh', async () => {
    as.stats.reset();
    const { clientId } = as.deviceClient;
    const started = await fetch(`${as.issuer}/device/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: clientId, scope: 'openid offline_access profile email' }),
    });
    const device = (await started.json()) as { device_code: string; verification_uri_complete: string };
    const pending = await tokenRequest(as, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: device.device_code, client_id: clientId });
    expect(pending.body.error).toBe('authorization_pending');

    await approveDeviceCode(device.verification_uri_complete, { login: 'bob' });
    const granted = await tokenRequest(as, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: device.device_code, client_id: clientId });
    expect(granted.status).toBe(200);
    expect(granted.body.refresh_token).toBeTypeOf('string');
    expect(granted.body.expires_in).toBe(120);

    const userinfo = await fetch(`${as.issuer}/me`, { headers: { authorization: `Bearer ${granted.body.access_token}` } });
    expect(await userinfo.json()).toMatchObject({ sub: 'bob', name: 'Bob Example', email: 'bob@example.com' });

    const refreshed = await tokenRequest(as, { grant_type: 'refresh_token', refresh_token: granted.body.refresh_token ?? '', client_id: clientId });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(granted.body.refresh_token);
    const reused = await tokenRequest(as, { grant_type: 'refresh_token', refresh_token: granted.body.refresh_token ?? '', client_id: clientId });
    expect(reused.body.error).toBe('invalid_grant');
    expect(as.stats).toMatchObject({ deviceCodeGrants: 2, refreshGrants: 2, tokenRequests: 4 });
  });

  it('issues client_credentials JWTs for an extra resource with that audience', async () => {
    const { status, body } = await tokenRequest(as, { grant_type: 'client_credentials', resource: OTHER, scope: 'mcp:tools' }, as.testClient);
    expect(status).toBe(200);
    expect(decodeJwtPayload(body.access_token ?? '')).toMatchObject({ aud: OTHER, client_id: as.testClient.clientId, iss: as.issuer, scope: 'mcp:tools' });
    const unknown = await tokenRequest(as, { grant_type: 'client_credentials', resource: 'http://unknown.example/' }, as.testClient);
    expect(unknown.body.error).toBe('invalid_target');
  });
});
