import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeInBrowser, obtainUserToken, startDevAuthorizationServer, type DevAuthorizationServer } from '../src/index.js';
import { codeFlow, decodeJwtPayload, registerPublicClient, tokenRequest } from './helpers.js';

const RESOURCE = 'http://127.0.0.1:3999/mcp';

describe('authorization code flow (JWT access tokens)', () => {
  let as: DevAuthorizationServer;

  beforeAll(async () => {
    as = await startDevAuthorizationServer({ resource: RESOURCE });
  });
  afterAll(async () => {
    await as.close();
  });

  it('serves the same metadata at the OpenID and RFC 8414 paths', async () => {
    const oidc = (await (await fetch(`${as.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    const oauth = (await (await fetch(`${as.issuer}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(oauth).toEqual(oidc);
    expect(as.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(oauth.issuer).toBe(as.issuer);
    expect(oauth.code_challenge_methods_supported).toContain('S256');
    expect(oauth.registration_endpoint).toBe(`${as.issuer}/reg`);
    expect(oauth.grant_types_supported).toEqual(expect.arrayContaining([
      'authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code',
    ]));
    expect(oauth.introspection_endpoint).toBeTypeOf('string');
    expect(oauth.revocation_endpoint).toBeTypeOf('string');
  });

  it('issues an RFC 9068 JWT for the resource, then refreshes it with the same audience and subject', async () => {
    as.stats.reset();
    const clientId = await registerPublicClient(as);
    const { status, body } = await codeFlow(as, clientId, RESOURCE);
    expect(status).toBe(200);
    expect(body.refresh_token).toBeTypeOf('string');
    const jwks = (await (await fetch(`${as.issuer}/jwks`)).json()) as { keys: [] };
    const { payload, protectedHeader } = await jwtVerify(body.access_token ?? '', createLocalJWKSet(jwks), {
      issuer: as.issuer,
      audience: RESOURCE,
      typ: 'at+jwt',
    });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: as.signingKeys.kid });
    expect(payload).toMatchObject({ sub: 'alice', client_id: clientId, aud: RESOURCE });
    expect(String(payload.scope).split(' ')).toContain('mcp:tools');
    for (const claim of ['exp', 'iat', 'jti']) expect(payload[claim]).toBeDefined();
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);

    const refreshed = await tokenRequest(as, { grant_type: 'refresh_token', refresh_token: body.refresh_token ?? '', client_id: clientId });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(body.refresh_token);
    const next = decodeJwtPayload(refreshed.body.access_token ?? '');
    expect(next).toMatchObject({ sub: 'alice', aud: RESOURCE, scope: payload.scope, iss: as.issuer });
    expect(next.jti).not.toBe(payload.jti);

    const reused = await tokenRequest(as, { grant_type: 'refresh_token', refresh_token: body.refresh_token ?? '', client_id: clientId });
    expect(reused.body.error).toBe('invalid_grant');
    expect(as.stats).toMatchObject({ tokenRequests: 3, refreshGrants: 2, deviceCodeGrants: 0, introspections: 0 });
    as.stats.reset();
    expect(as.stats.tokenRequests).toBe(0);
  });

  it('lets a client registered with a narrow scope ask for a wider one later (step-up)', async () => {
    const token = await obtainUserToken(as.issuer, { resource: RESOURCE, login: 'alice', registrationScope: 'mcp:tools offline_access', scope: 'mcp:tools mcp:admin' });
    expect(String(decodeJwtPayload(token.access_token).scope).split(' ')).toEqual(expect.arrayContaining(['mcp:tools', 'mcp:admin']));
  });

  it('binds the token to a DPoP key when the token request carries a proof (obtainUserToken dpopProof)', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = await exportJWK(publicKey);
    const token = await obtainUserToken(as.issuer, {
      resource: RESOURCE,
      login: 'alice',
      dpopProof: (htu) =>
        new SignJWT({ jti: randomUUID(), htm: 'POST', htu }).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk }).setIssuedAt().sign(privateKey),
    });
    expect(token.token_type).toBe('DPoP');
    expect(decodeJwtPayload(token.access_token).cnf).toEqual({ jkt: await calculateJwkThumbprint(jwk) });
  });

  it('exposes its real signing key so tests can forge tokens', async () => {
    const { SignJWT, importJWK } = await import('jose');
    const key = await importJWK(as.signingKeys.privateJwk, 'RS256');
    const forged = await new SignJWT({ sub: 'mallory' })
      .setProtectedHeader({ alg: 'RS256', kid: as.signingKeys.kid, typ: 'at+jwt' })
      .setIssuer(as.issuer).setAudience(RESOURCE).setExpirationTime('1h').sign(key);
    const jwks = (await (await fetch(`${as.issuer}/jwks`)).json()) as { keys: [] };
    await expect(jwtVerify(forged, createLocalJWKSet(jwks))).resolves.toBeDefined();
    expect(as.signingKeys.publicJwk.d).toBeUndefined();
  });

  it('rejects unknown users at the login form and unknown resources', async () => {
    const clientId = await registerPublicClient(as);
    await expect(codeFlow(as, clientId, RESOURCE, 'mallory')).rejects.toMatchObject({ code: 'DEV_AS_BROWSER_HTTP_ERROR' });
    const url = new URL(`${as.issuer}/auth`);
    url.search = new URLSearchParams({
      response_type: 'code', client_id: clientId, redirect_uri: 'http://localhost:5555/callback',
      code_challenge: 'x'.repeat(43), code_challenge_method: 'S256', scope: 'mcp:tools', resource: 'http://unknown.example/mcp',
    }).toString();
    const callback = await authorizeInBrowser(url, { login: 'alice' });
    expect(callback.searchParams.get('error')).toBe('invalid_target');
  });
});

describe('short-lived access tokens', () => {
  let as: DevAuthorizationServer;

  beforeAll(async () => {
    as = await startDevAuthorizationServer({ resource: RESOURCE, accessTokenTtlSeconds: 1 });
  });
  afterAll(async () => {
    await as.close();
  });

  it('expires access tokens after accessTokenTtlSeconds and still refreshes them', async () => {
    const clientId = await registerPublicClient(as);
    const { body } = await codeFlow(as, clientId, RESOURCE);
    const payload = decodeJwtPayload(body.access_token ?? '');
    expect(Number(payload.exp) - Number(payload.iat)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, Number(payload.exp) * 1000 - Date.now() + 1100));
    const jwks = (await (await fetch(`${as.issuer}/jwks`)).json()) as { keys: [] };
    await expect(jwtVerify(body.access_token ?? '', createLocalJWKSet(jwks))).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
    const refreshed = await tokenRequest(as, { grant_type: 'refresh_token', refresh_token: body.refresh_token ?? '', client_id: clientId });
    expect(refreshed.status).toBe(200);
    expect(decodeJwtPayload(refreshed.body.access_token ?? '')).toMatchObject({ sub: 'alice', aud: RESOURCE });
  });
});
