import { InvalidTokenError, ServiceUnavailableError } from '@mcpgate/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { jwtValidator } from '../src/index.js';
import { FakeServer, ISSUER, JWKS_URL, RESOURCE, makeKey, rejection, sign, sleep, type TestKey } from './helpers.js';

let k1: TestKey;
let k2: TestKey;
let stranger: TestKey;

beforeAll(async () => {
  [k1, k2, stranger] = await Promise.all([makeKey('ES256', 'k1'), makeKey('ES256', 'k2'), makeKey('ES256', 'unknown')]);
});

const ctx = { resource: RESOURCE };

describe('remote JWKS', () => {
  it('fetches the key set once for many validations, shared by validators with the same fetch', async () => {
    const server = await FakeServer.for([k1]);
    const a = jwtValidator({ issuer: ISSUER, fetch: server.fetch });
    const b = jwtValidator({ issuer: ISSUER, fetch: server.fetch });
    for (let i = 0; i < 25; i++) await a.validate(await sign(k1, { sub: `user-${i}` }), ctx);
    await b.validate(await sign(k1), ctx);
    expect(server.count(JWKS_URL)).toBe(1);
  });

  it('refetches at most once per cooldown for unknown kids', async () => {
    const server = await FakeServer.for([k1]);
    const validator = jwtValidator({ issuer: ISSUER, fetch: server.fetch, jwksCooldownMs: 100 });
    await validator.validate(await sign(k1), ctx);
    expect(server.count(JWKS_URL)).toBe(1);
    await sleep(120);
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => sign(stranger, {}, { kid: `unknown-${i}` })));
    for (const token of tokens) {
      const error = await rejection(validator.validate(token, ctx));
      expect(error).toBeInstanceOf(InvalidTokenError);
      expect(error['reason']).toBe('unknown_key');
    }
    expect(server.count(JWKS_URL)).toBe(2);
  });

  it('does not refetch for unknown kids within the default cooldown', async () => {
    const server = await FakeServer.for([k1]);
    const validator = jwtValidator({ issuer: ISSUER, fetch: server.fetch });
    await validator.validate(await sign(k1), ctx);
    await Promise.all(Array.from({ length: 20 }, async () => rejection(validator.validate(await sign(stranger), ctx))));
    expect(server.count(JWKS_URL)).toBe(1);
  });

  it('picks up a key rotation (new kid) after the cooldown', async () => {
    const server = await FakeServer.for([k1]);
    const validator = jwtValidator({ issuer: ISSUER, fetch: server.fetch, jwksCooldownMs: 50 });
    await validator.validate(await sign(k1), ctx);
    server.setKeys([k1, k2]);
    await sleep(70);
    expect((await validator.validate(await sign(k2), ctx)).subject).toBe('user-1');
    expect(server.count(JWKS_URL)).toBe(2);
  });

  it('refetches the key set after jwksCacheMaxAgeMs', async () => {
    const server = await FakeServer.for([k1]);
    const validator = jwtValidator({ issuer: ISSUER, fetch: server.fetch, jwksCacheMaxAgeMs: 50 });
    await validator.validate(await sign(k1), ctx);
    await sleep(70);
    await validator.validate(await sign(k1), ctx);
    expect(server.count(JWKS_URL)).toBe(2);
  });

  it('tries every key when several match (no kid)', async () => {
    const server = await FakeServer.for([k1, k2]);
    const validator = jwtValidator({ issuer: ISSUER, fetch: server.fetch });
    expect((await validator.validate(await sign(k2, {}, { kid: undefined }), ctx)).subject).toBe('user-1');
    const error = await rejection(validator.validate(await sign(stranger, {}, { kid: undefined }), ctx));
    expect(error['reason']).toBe('unknown_key');
  });
});

describe('two issuers', () => {
  it('keeps each issuer to its own keys', async () => {
    const other = 'https://other-as.example.com';
    const server = (await FakeServer.for([k1])).serve([k2], other);
    const validator = jwtValidator({ issuer: [ISSUER, { issuer: other, audience: 'api://other' }], fetch: server.fetch });
    expect((await validator.validate(await sign(k1), ctx)).issuer).toBe(ISSUER);
    expect((await validator.validate(await sign(k2, { iss: other, aud: 'api://other' }), ctx)).issuer).toBe(other);
    const crossed = await rejection(validator.validate(await sign(k1, { iss: other, aud: 'api://other' }, { kid: 'k2' }), ctx));
    expect(crossed['reason']).toBe('signature');
    const wrongAud = await rejection(validator.validate(await sign(k2, { iss: other }), ctx));
    expect(wrongAud['reason']).toBe('audience');
  });
});

describe('network failures', () => {
  const never = () => new Promise<Response>(() => undefined);

  it('discovery that never answers → ServiceUnavailableError (discovery)', async () => {
    const validator = jwtValidator({ issuer: ISSUER, fetch: never, timeoutMs: 50 });
    const error = await rejection(validator.validate(await sign(k1), ctx));
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error['dependency']).toBe('discovery');
    expect(error.message).toMatch(/timed out/);
  });

  it('discovery that throws → ServiceUnavailableError (discovery)', async () => {
    const validator = jwtValidator({ issuer: ISSUER, fetch: () => Promise.reject(new TypeError('fetch failed')) });
    const error = await rejection(validator.validate(await sign(k1), ctx));
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error['dependency']).toBe('discovery');
  });

  it('after a failed JWKS fetch, fails fast for a while instead of fetching again (even for made-up kids)', async () => {
    let calls = 0;
    let up = false;
    const server = await FakeServer.for([k1]);
    const flaky = async (url: string, init: RequestInit) => {
      calls++;
      return up ? server.fetch(url, init) : new Response('down', { status: 503 });
    };
    const validator = jwtValidator({ issuer: ISSUER, jwksUri: JWKS_URL, fetch: flaky, jwksCooldownMs: 300 });
    const first = await rejection(validator.validate(await sign(k1), ctx));
    expect(first).toBeInstanceOf(ServiceUnavailableError);
    expect(calls).toBe(1);
    for (let i = 0; i < 10; i++) {
      const error = await rejection(validator.validate(await sign(stranger, {}, { kid: `made-up-${i}` }), ctx));
      expect(error).toBeInstanceOf(ServiceUnavailableError);
      expect(error['retryAfter']).toBeGreaterThan(0);
    }
    expect(calls).toBe(1);
    up = true;
    await sleep(320);
    await expect(validator.validate(await sign(k1), ctx)).resolves.toMatchObject({ subject: expect.any(String) });
    expect(calls).toBe(2);
  });

  it('JWKS that never answers, fails, answers 500 or junk → ServiceUnavailableError (jwks)', async () => {
    const answers: Array<() => Promise<Response>> = [
      never,
      () => Promise.reject(new TypeError('fetch failed')),
      async () => new Response('oops', { status: 500 }),
      async () => new Response('not json'),
      async () => Response.json({ keys: 'nope' }),
    ];
    for (const answer of answers) {
      const validator = jwtValidator({ issuer: ISSUER, jwksUri: JWKS_URL, fetch: answer, timeoutMs: 50 });
      const error = await rejection(validator.validate(await sign(k1), ctx));
      expect(error).toBeInstanceOf(ServiceUnavailableError);
      expect(error['dependency']).toBe('jwks');
      expect(error['retryAfter']).toBeGreaterThan(0);
    }
  });
});
