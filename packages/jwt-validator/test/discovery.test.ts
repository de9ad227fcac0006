import { ServiceUnavailableError } from '@mcpgate/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { discoverAuthorizationServer as discover, discoveryUrls, type DiscoveryOptions } from '@mcpgate/core/internal';
import { jwtValidator } from '../src/index.js';

// what jwtValidator asks of discovery: a document with a usable jwks_uri
const discoverAuthorizationServer = (issuer: string, options: DiscoveryOptions) => discover(issuer, { ...options, requires: ['jwks_uri'] });
import { FakeServer, ISSUER, RESOURCE, makeKey, rejection, sign, sleep, type TestKey } from './helpers.js';

const TENANT = 'https://login.example.com/tenant';
let key: TestKey;

beforeAll(async () => {
  key = await makeKey('ES256', 'k1');
});

function unavailable(error: Error & Record<string, unknown>, dependency: string) {
  expect(error).toBeInstanceOf(ServiceUnavailableError);
  expect(error['code']).toBe('ERR_UNAVAILABLE');
  expect(error['dependency']).toBe(dependency);
}

describe('discovery locations', () => {
  it('inserts the issuer path after the well-known prefix (RFC 8414), then tries OpenID forms', () => {
    expect(discoveryUrls(TENANT)).toEqual([
      'https://login.example.com/.well-known/oauth-authorization-server/tenant',
      'https://login.example.com/tenant/.well-known/openid-configuration',
      'https://login.example.com/.well-known/openid-configuration/tenant',
    ]);
    expect(discoveryUrls('https://login.example.com/tenant/')[0]).toBe(
      'https://login.example.com/.well-known/oauth-authorization-server/tenant',
    );
    expect(discoveryUrls('https://login.example.com')).toEqual([
      'https://login.example.com/.well-known/oauth-authorization-server',
      'https://login.example.com/.well-known/openid-configuration',
    ]);
  });

  it('validates a token of an issuer with a path through the RFC 8414 path-insertion URL', async () => {
    const server = new FakeServer();
    server.routes.set('https://login.example.com/.well-known/oauth-authorization-server/tenant', {
      issuer: TENANT,
      jwks_uri: 'https://login.example.com/tenant/keys',
    });
    server.routes.set('https://login.example.com/tenant/keys', { keys: [key.jwk] });
    const validator = jwtValidator({ issuer: TENANT, fetch: server.fetch });
    const principal = await validator.validate(await sign(key, { iss: TENANT }), { resource: RESOURCE });
    expect(principal.issuer).toBe(TENANT);
    expect(server.calls).toEqual([
      'https://login.example.com/.well-known/oauth-authorization-server/tenant',
      'https://login.example.com/tenant/keys',
    ]);
  });

  it('falls back to OpenID Connect discovery (appended form)', async () => {
    const server = new FakeServer();
    server.routes.set('https://login.example.com/tenant/.well-known/openid-configuration', {
      issuer: TENANT,
      jwks_uri: 'https://login.example.com/tenant/keys',
    });
    const metadata = await discoverAuthorizationServer(TENANT, { fetch: server.fetch });
    expect(metadata.jwks_uri).toBe('https://login.example.com/tenant/keys');
    expect(server.calls).toHaveLength(2);
  });

  it('falls back to the inserted OpenID form, past non-JSON answers', async () => {
    const server = new FakeServer();
    server.routes.set('https://login.example.com/tenant/.well-known/openid-configuration', () => new Response('<html>'));
    server.routes.set('https://login.example.com/.well-known/openid-configuration/tenant', { issuer: TENANT, jwks_uri: 'https://k/' });
    expect((await discoverAuthorizationServer(TENANT, { fetch: server.fetch })).jwks_uri).toBe('https://k/');
    expect(server.calls).toHaveLength(3);
  });
});

describe('metadata checks', () => {
  it('refuses metadata whose issuer differs from the configured one', async () => {
    const server = new FakeServer();
    server.routes.set(`${ISSUER}/.well-known/oauth-authorization-server`, { issuer: `${ISSUER}/`, jwks_uri: `${ISSUER}/jwks` });
    server.routes.set(`${ISSUER}/jwks`, { keys: [key.jwk] });
    const validator = jwtValidator({ issuer: ISSUER, fetch: server.fetch });
    const error = await rejection(validator.validate(await sign(key), { resource: RESOURCE }));
    unavailable(error, 'discovery');
    expect(error.message).toMatch(/expected exactly/);
    expect(server.calls).not.toContain(`${ISSUER}/jwks`);
  });

  it('refuses metadata without jwks_uri', async () => {
    const server = new FakeServer();
    server.routes.set(`${ISSUER}/.well-known/oauth-authorization-server`, { issuer: ISSUER });
    unavailable(await rejection(discoverAuthorizationServer(ISSUER, { fetch: server.fetch })), 'discovery');
  });

  it('answers ServiceUnavailableError when no document exists', async () => {
    const server = new FakeServer();
    const error = await rejection(discoverAuthorizationServer(ISSUER, { fetch: server.fetch }));
    unavailable(error, 'discovery');
    expect(error.message).toMatch(/HTTP 404/);
  });
});

describe('metadata caching', () => {
  it('discovers lazily, once for concurrent first uses', async () => {
    const server = await FakeServer.for([key]);
    const validator = jwtValidator({ issuer: ISSUER, fetch: server.fetch });
    expect(server.calls).toEqual([]);
    const token = await sign(key);
    await Promise.all(Array.from({ length: 10 }, () => validator.validate(token, { resource: RESOURCE })));
    expect(server.count(`${ISSUER}/.well-known/oauth-authorization-server`)).toBe(1);
    expect(server.count(`${ISSUER}/jwks`)).toBe(1);
  });

  it('fetches the metadata again after the TTL, and follows a changed jwks_uri', async () => {
    const server = await FakeServer.for([key]);
    const validator = jwtValidator({ issuer: ISSUER, fetch: server.fetch, discoveryCacheTtlMs: 50 });
    const token = await sign(key);
    await validator.validate(token, { resource: RESOURCE });
    await validator.validate(token, { resource: RESOURCE });
    expect(server.count(`${ISSUER}/.well-known/oauth-authorization-server`)).toBe(1);
    server.routes.set(`${ISSUER}/.well-known/oauth-authorization-server`, { issuer: ISSUER, jwks_uri: `${ISSUER}/jwks2` });
    server.routes.set(`${ISSUER}/jwks2`, { keys: [key.jwk] });
    await sleep(70);
    await validator.validate(token, { resource: RESOURCE });
    expect(server.count(`${ISSUER}/.well-known/oauth-authorization-server`)).toBe(2);
    expect(server.count(`${ISSUER}/jwks2`)).toBe(1);
  });

  it('keeps serving the last good metadata when a refresh fails', async () => {
    const server = await FakeServer.for([key]);
    const validator = jwtValidator({ issuer: ISSUER, fetch: server.fetch, discoveryCacheTtlMs: 50 });
    const token = await sign(key);
    await validator.validate(token, { resource: RESOURCE });
    server.routes.set(`${ISSUER}/.well-known/oauth-authorization-server`, () => new Response('down', { status: 503 }));
    await sleep(70);
    await expect(validator.validate(token, { resource: RESOURCE })).resolves.toBeDefined();
    expect(server.count(`${ISSUER}/.well-known/oauth-authorization-server`)).toBe(2);
  });
});
