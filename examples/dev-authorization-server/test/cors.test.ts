import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevAuthorizationServer, type DevAuthorizationServer } from '../src/index.js';

// a browser MCP client registers itself and redeems its code from another origin
const ORIGIN = 'http://localhost:6274';
const CLIENT = {
  redirect_uris: [`${ORIGIN}/callback`],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
};

describe('CORS for browser clients', () => {
  let as: DevAuthorizationServer;

  beforeAll(async () => {
    as = await startDevAuthorizationServer({ resource: 'http://127.0.0.1:3997/mcp' });
  });
  afterAll(async () => {
    await as.close();
  });

  it('answers the registration preflight', async () => {
    const res = await fetch(`${as.issuer}/reg`, {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(res.headers.get('access-control-allow-methods')).toBe('POST');
    expect(res.headers.get('access-control-allow-headers')).toBe('content-type');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('vary')).toMatch(/origin/i);
  });

  it('lets the origin read the registration answer, success or error', async () => {
    const ok = await fetch(`${as.issuer}/reg`, { method: 'POST', headers: { origin: ORIGIN, 'content-type': 'application/json' }, body: JSON.stringify(CLIENT) });
    expect(ok.status).toBe(201);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(await ok.json()).toMatchObject({ client_id: expect.any(String) });

    const bad = await fetch(`${as.issuer}/reg`, {
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'application/json' },
      body: JSON.stringify({ ...CLIENT, redirect_uris: ['not a url'] }),
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(await bad.json()).toMatchObject({ error: 'invalid_redirect_uri' });
  });

  it('leaves requests without an Origin as they were', async () => {
    const res = await fetch(`${as.issuer}/reg`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(CLIENT) });
    expect(res.status).toBe(201);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const options = await fetch(`${as.issuer}/reg`, { method: 'OPTIONS' });
    expect(options.status).not.toBe(204);
  });

  it('answers the token preflight and lets the origin read token errors (oidc-provider, clientBasedCORS)', async () => {
    const preflight = await fetch(`${as.issuer}/token`, {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const registered = (await (
      await fetch(`${as.issuer}/reg`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(CLIENT) })
    ).json()) as { client_id: string };
    const token = await fetch(`${as.issuer}/token`, {
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'nope', client_id: registered.client_id, redirect_uri: CLIENT.redirect_uris[0] as string, code_verifier: 'x'.repeat(43) }),
    });
    expect(token.status).toBe(400);
    expect(token.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(await token.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('serves its metadata to any origin', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const res = await fetch(`${as.issuer}${path}`, { headers: { origin: ORIGIN } });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    }
  });
});
