import { ServiceUnavailableError } from '@mcpgate/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { discoverAuthorizationServer } from '@mcpgate/core/internal';
import { jwtValidator } from '../src/index.js';
import { FakeServer, ISSUER, JWKS_URL, RESOURCE, RFC8414_URL, makeKey, rejection, sign, type TestKey } from './helpers.js';
import { endless, within, type Meter } from '../../../test/helpers/endless-response.js';

const LIMIT = 65_536;
const CHUNK = 16_384; // what `endless` enqueues at a time
let key: TestKey;

beforeAll(async () => {
  key = await makeKey('ES256', 'k1');
});

describe('maxResponseBytes: discovery documents', () => {
  it('stops reading an endless metadata document past the limit, cancels it and answers 503', async () => {
    const meter: Meter = { bytes: 0, cancelled: false };
    const server = new FakeServer();
    server.routes.set(RFC8414_URL, () => endless(meter));
    const error = await within(2_000, rejection(discoverAuthorizationServer(ISSUER, { fetch: server.fetch, timeoutMs: 10_000 })));
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error['dependency']).toBe('discovery');
    expect(error.message).toContain(`larger than ${LIMIT} bytes`);
    expect(meter.cancelled).toBe(true);
    expect(meter.bytes).toBeLessThanOrEqual(LIMIT + 2 * CHUNK);
  });

  it('refuses a document whose Content-Length is over the limit without reading it', async () => {
    const server = new FakeServer().serve([key]);
    const document = JSON.stringify({ issuer: ISSUER, jwks_uri: JWKS_URL });
    server.routes.set(RFC8414_URL, () => new Response(document, { headers: { 'content-type': 'application/json', 'content-length': '100000000' } }));
    const error = await rejection(discoverAuthorizationServer(ISSUER, { fetch: server.fetch }));
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error.message).toContain(`larger than ${LIMIT} bytes`);
  });

  it('applies the validator option maxResponseBytes to discovery (a token is then answered 503)', async () => {
    const server = await FakeServer.for([key]);
    server.routes.set(RFC8414_URL, { issuer: ISSUER, jwks_uri: JWKS_URL, padding: 'x'.repeat(500) });
    const error = await rejection(jwtValidator({ issuer: ISSUER, fetch: server.fetch, maxResponseBytes: 200 }).validate(await sign(key), { resource: RESOURCE }));
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error['dependency']).toBe('discovery');
    expect(error.message).toContain('larger than 200 bytes');
  });
});

describe('maxResponseBytes: JWKS (fetched through jose with the validator-controlled fetch)', () => {
  it('stops reading an endless JWKS past the limit and answers 503 (dependency jwks)', async () => {
    const meter: Meter = { bytes: 0, cancelled: false };
    const server = await FakeServer.for([key]);
    server.routes.set(JWKS_URL, () => endless(meter));
    const validator = jwtValidator({ issuer: ISSUER, fetch: server.fetch, timeoutMs: 10_000 });
    const error = await within(2_000, rejection(validator.validate(await sign(key), { resource: RESOURCE })));
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error['dependency']).toBe('jwks');
    expect(error.message).toContain(`more than ${LIMIT} bytes`);
    expect(meter.cancelled).toBe(true);
    expect(meter.bytes).toBeLessThanOrEqual(LIMIT + 2 * CHUNK);
  });

  it('refuses a JWKS whose Content-Length is over the limit', async () => {
    const server = await FakeServer.for([key]);
    const jwks = JSON.stringify({ keys: [key.jwk] });
    server.routes.set(JWKS_URL, () => new Response(jwks, { headers: { 'content-type': 'application/json', 'content-length': '100000000' } }));
    const error = await rejection(jwtValidator({ issuer: ISSUER, fetch: server.fetch }).validate(await sign(key), { resource: RESOURCE }));
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error['dependency']).toBe('jwks');
  });

  it('still accepts a normal key set under the limit', async () => {
    const server = await FakeServer.for([key]);
    await expect(jwtValidator({ issuer: ISSUER, fetch: server.fetch }).validate(await sign(key), { resource: RESOURCE })).resolves.toMatchObject({
      subject: 'user-1',
    });
  });
});

describe('strict options', () => {
  it('names a misspelt option and suggests the known one', () => {
    expect(() => jwtValidator({ issuer: ISSUER, jwksUrl: JWKS_URL } as never)).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringMatching(/"jwksUrl".*did you mean "jwksUri"/) }),
    );
    expect(() => jwtValidator({ issuer: ISSUER, maxResponseByte: 1 } as never)).toThrow(/did you mean "maxResponseBytes"/);
  });

  it('checks the keys of each issuer object with the same helper', () => {
    expect(() => jwtValidator({ issuer: [{ issuer: ISSUER, audiences: ['x'] }] } as never)).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringMatching(/issuer\[0\].*"audiences".*did you mean "audience"/) }),
    );
  });

  it('checks maxResponseBytes', () => {
    expect(() => jwtValidator({ issuer: ISSUER, maxResponseBytes: 0 })).toThrow(/maxResponseBytes/);
    expect(() => jwtValidator({ issuer: ISSUER, maxResponseBytes: 1.5 })).toThrow(/maxResponseBytes/);
  });
});
