import { describe, expect, it } from 'vitest';
import { introspectionValidator } from '../src/index.js';
import { RESOURCE, activeClaims, fakeFetch, json } from './helpers.js';

const ISSUER = 'https://as.example.com/tenant';
const credentials = { issuer: ISSUER, clientId: 'rs', clientSecret: 'secret' };
const ctx = { resource: RESOURCE };

describe('introspection_endpoint discovery', () => {
  it('uses RFC 8414 metadata first and caches the endpoint', async () => {
    const { fetch, calls } = fakeFetch((call) => {
      if (call.url === 'https://as.example.com/.well-known/oauth-authorization-server/tenant') {
        return json({ issuer: ISSUER, introspection_endpoint: 'https://as.example.com/tenant/introspect' });
      }
      if (call.url === 'https://as.example.com/tenant/introspect') return json(activeClaims({ iss: ISSUER }));
      return new Response('not found', { status: 404 });
    });
    const validator = introspectionValidator({ ...credentials, fetch });
    await validator.validate('one', ctx);
    await validator.validate('two', ctx);
    expect(calls.map((c) => c.url)).toEqual([
      'https://as.example.com/.well-known/oauth-authorization-server/tenant',
      'https://as.example.com/tenant/introspect',
      'https://as.example.com/tenant/introspect',
    ]);
  });

  it('falls back to OpenID Connect discovery', async () => {
    const { fetch, calls } = fakeFetch((call) => {
      if (call.url === 'https://as.example.com/tenant/.well-known/openid-configuration') {
        return json({ issuer: ISSUER, introspection_endpoint: 'https://as.example.com/tenant/token/introspection' });
      }
      if (call.url === 'https://as.example.com/tenant/token/introspection') return json(activeClaims({ iss: ISSUER }));
      return new Response('not found', { status: 404 });
    });
    const validator = introspectionValidator({ ...credentials, fetch });
    await validator.validate('one', ctx);
    await validator.validate('two', ctx);
    expect(calls.map((c) => c.url)).toEqual([
      'https://as.example.com/.well-known/oauth-authorization-server/tenant',
      'https://as.example.com/tenant/.well-known/openid-configuration',
      'https://as.example.com/tenant/token/introspection',
      'https://as.example.com/tenant/token/introspection',
    ]);
  });

  it('ignores metadata of another issuer and answers 503 (discovery) until discovery works', async () => {
    let metadataIssuer = 'https://evil.example.com';
    const { fetch } = fakeFetch((call) => {
      if (call.url.includes('/.well-known/')) return json({ issuer: metadataIssuer, introspection_endpoint: 'https://as.example.com/i' });
      return json(activeClaims({ iss: ISSUER }));
    });
    const validator = introspectionValidator({ ...credentials, fetch });
    await expect(validator.validate('tok', ctx)).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE', dependency: 'discovery' });
    metadataIssuer = ISSUER;
    await expect(validator.validate('tok', ctx)).resolves.toMatchObject({ subject: 'user-1' });
  });
});
