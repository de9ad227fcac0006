import { InvalidTokenError } from '@mcpgate/core';
import { base64url, exportSPKI, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { jwtValidator } from '../src/index.js';
import { FakeServer, ISSUER, JWKS_URL, RESOURCE, makeKey, now, rejection, sign, type TestKey } from './helpers.js';

let rsa: TestKey;
let ec: TestKey;
let foreign: TestKey;

beforeAll(async () => {
  [rsa, ec, foreign] = await Promise.all([makeKey('RS256', 'rsa-1'), makeKey('ES256', 'ec-1'), makeKey('RS256', 'rsa-1')]);
});

async function setup(options: Record<string, unknown> = {}) {
  const server = await FakeServer.for([rsa, ec]);
  const validator = jwtValidator({ issuer: ISSUER, fetch: server.fetch, ...options });
  const validate = (token: string) => validator.validate(token, { resource: RESOURCE });
  return { server, validator, validate };
}

async function refusal(promise: Promise<unknown>, reason: string, claim?: string) {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(InvalidTokenError);
  expect(error['code']).toBe('ERR_INVALID_TOKEN');
  expect(error['reason']).toBe(reason);
  if (claim !== undefined) expect(error['claim']).toBe(claim);
  return error;
}

describe('valid tokens', () => {
  it('accepts an RS256 token and builds the principal', async () => {
    const { validator, validate } = await setup();
    expect(validator.kind).toBe('jwt');
    const exp = now() + 600;
    const principal = await validate(await sign(rsa, { exp, aud: [RESOURCE, 'other'] }));
    expect(principal).toMatchObject({
      issuer: ISSUER,
      subject: 'user-1',
      clientId: 'client-1',
      scopes: ['mcp:tools', 'mcp:read'],
      expiresAt: exp,
      audience: [RESOURCE, 'other'],
    });
    expect(principal.claims['sub']).toBe('user-1');
  });

  it('accepts an ES256 token; clientId falls back to azp, then empty', async () => {
    const { validate } = await setup();
    expect((await validate(await sign(ec, { client_id: undefined, azp: 'azp-client' }))).clientId).toBe('azp-client');
    expect((await validate(await sign(ec, { client_id: undefined }))).clientId).toBe('');
  });

  it('accepts EdDSA (Ed25519) tokens by default', async () => {
    const ed = await makeKey('EdDSA', 'ed-1');
    const server = await FakeServer.for([ed]);
    const validator = jwtValidator({ issuer: ISSUER, fetch: server.fetch });
    expect((await validator.validate(await sign(ed), { resource: RESOURCE })).subject).toBe('user-1');
  });

  it('reads scopes from scope, or scp as an array or a string', async () => {
    const { validate } = await setup();
    expect((await validate(await sign(rsa, { scope: undefined, scp: ['a', 'b'] }))).scopes).toEqual(['a', 'b']);
    expect((await validate(await sign(rsa, { scope: undefined, scp: 'c d' }))).scopes).toEqual(['c', 'd']);
    expect((await validate(await sign(rsa, { scope: 'x  y', scp: ['ignored'] }))).scopes).toEqual(['x', 'y']);
    expect((await validate(await sign(rsa, { scope: undefined }))).scopes).toEqual([]);
  });

  it('uses a custom subject claim, which must be a non-empty string', async () => {
    const { validate } = await setup({ subjectClaim: 'oid' });
    expect((await validate(await sign(rsa, { oid: 'object-42' }))).subject).toBe('object-42');
    await refusal(validate(await sign(rsa)), 'missing_claim', 'oid');
    await refusal(validate(await sign(rsa, { oid: '' })), 'missing_claim', 'oid');
  });

  it('accepts the trailing-slash twin of the resource as audience', async () => {
    const { validate } = await setup();
    expect((await validate(await sign(rsa, { aud: `${RESOURCE}/` }))).audience).toEqual([`${RESOURCE}/`]);
  });

  it('honours an audience override', async () => {
    const { validate } = await setup({ audience: 'api://mcp' });
    expect((await validate(await sign(rsa, { aud: 'api://mcp' }))).subject).toBe('user-1');
    await refusal(validate(await sign(rsa)), 'audience', 'aud');
  });

  it('tolerates clock skew within clockToleranceSeconds', async () => {
    const { validate } = await setup({ clockToleranceSeconds: 60 });
    await expect(validate(await sign(rsa, { exp: now() - 30, nbf: now() + 30, iat: now() + 30 }))).resolves.toBeDefined();
  });
});

describe('typ enforcement (RFC 9068)', () => {
  it('accepts at+jwt and application/at+jwt, refuses JWT or none', async () => {
    const { validate } = await setup({ requireJwtAccessTokenType: true });
    await expect(validate(await sign(rsa))).resolves.toBeDefined();
    await expect(validate(await sign(rsa, {}, { typ: 'application/at+jwt' }))).resolves.toBeDefined();
    await refusal(validate(await sign(rsa, {}, { typ: 'JWT' })), 'type', 'typ');
    await refusal(validate(await sign(rsa, {}, { typ: undefined })), 'type', 'typ');
  });

  it('does not require typ by default', async () => {
    const { validate } = await setup();
    await expect(validate(await sign(rsa, {}, { typ: 'JWT' }))).resolves.toBeDefined();
  });
});

describe('refused tokens', () => {
  it('refuses alg none (unsigned, crafted by hand) without fetching anything', async () => {
    const { server, validate } = await setup();
    const encode = (value: object) => base64url.encode(JSON.stringify(value));
    const body = { iss: ISSUER, aud: RESOURCE, sub: 'admin', exp: now() + 300 };
    await refusal(validate(`${encode({ alg: 'none', typ: 'at+jwt' })}.${encode(body)}.`), 'algorithm');
    await refusal(validate(`${encode({ alg: 'none' })}.${encode(body)}.AAAA`), 'algorithm');
    expect(server.calls).toEqual([]);
  });

  it('refuses HS256 signed with the RSA public key bytes (algorithm confusion)', async () => {
    const { validate } = await setup();
    const pem = new TextEncoder().encode(await exportSPKI(rsa.publicKey));
    const forged = await new SignJWT({ iss: ISSUER, aud: RESOURCE, sub: 'admin', exp: now() + 300 })
      .setProtectedHeader({ alg: 'HS256', kid: rsa.kid })
      .sign(pem);
    await refusal(validate(forged), 'algorithm');
  });

  it('refuses a token signed by a foreign key that claims the same kid', async () => {
    const { validate } = await setup();
    await refusal(validate(await sign(foreign)), 'signature');
  });

  it('refuses a tampered payload', async () => {
    const { validate } = await setup();
    const [header, , signature] = (await sign(rsa)).split('.');
    const payload = base64url.encode(JSON.stringify({ iss: ISSUER, aud: RESOURCE, sub: 'admin', exp: now() + 300 }));
    await refusal(validate(`${header}.${payload}.${signature}`), 'signature');
  });

  it('refuses a wrong audience', async () => {
    const { validate } = await setup();
    await refusal(validate(await sign(rsa, { aud: 'https://other.example.com/mcp' })), 'audience', 'aud');
    await refusal(validate(await sign(rsa, { aud: undefined })), 'missing_claim', 'aud');
  });

  it('refuses an issuer that differs only slightly, without any network call', async () => {
    const { server, validate } = await setup();
    for (const iss of [`${ISSUER}/`, 'https://AS.example.com', 'https://evil.example.com']) {
      await refusal(validate(await sign(rsa, { iss })), 'issuer', 'iss');
    }
    expect(server.calls).toEqual([]);
    await refusal(validate(await sign(rsa, { iss: undefined })), 'missing_claim', 'iss');
  });

  it('refuses expired, not-yet-valid and future-issued tokens', async () => {
    const { validate } = await setup();
    await refusal(validate(await sign(rsa, { exp: now() - 60 })), 'expired', 'exp');
    await refusal(validate(await sign(rsa, { nbf: now() + 120 })), 'not_yet_valid', 'nbf');
    await refusal(validate(await sign(rsa, { iat: now() + 120 })), 'issued_in_future', 'iat');
  });

  it('refuses a token without exp, and one whose exp is not a number', async () => {
    const { validate } = await setup();
    await refusal(validate(await sign(rsa, { exp: undefined })), 'missing_claim', 'exp');
    await refusal(validate(await sign(rsa, { exp: String(now() + 300) })), 'malformed', 'exp');
  });

  it('refuses an algorithm outside the allowlist', async () => {
    const { validate } = await setup({ algorithms: ['ES256'] });
    await refusal(validate(await sign(rsa)), 'algorithm');
    await expect(validate(await sign(ec))).resolves.toBeDefined();
  });

  it('refuses garbage as malformed, with no token bytes in the message', async () => {
    const { server, validate } = await setup();
    const huge = `${'a'.repeat(20_000)}.${'b'.repeat(20_000)}.c`;
    const garbage = ['', 'abc', 'a.b', 'a.b.c.d', 'not a token', '!!!.@@@.###', 'e30.e30', 'eyJ.eyJ.x', 'bnVsbA.bnVsbA.x', huge];
    for (const token of garbage) {
      const error = await refusal(validate(token), 'malformed');
      if (token.length > 3) expect(error.message).not.toContain(token);
    }
    expect(server.calls).toEqual([]);
  });

  it('never lets a non-mcpgate error escape', async () => {
    const { validate } = await setup();
    const secret = 'tok3n-bytes';
    const tokens = [
      `${base64url.encode('{"alg":"RS256","kid":"rsa-1"}')}.${base64url.encode(`{"iss":"${ISSUER}","x":"${secret}"}`)}.${secret}`,
      `${base64url.encode('[]')}.${base64url.encode('{}')}.x`,
      `${base64url.encode('{"alg":"RS256","crit":["zip"]}')}.${base64url.encode(`{"iss":"${ISSUER}"}`)}.x`,
    ];
    for (const token of tokens) {
      const error = await rejection(validate(token));
      expect(error).toBeInstanceOf(InvalidTokenError);
      expect(error.message).not.toContain(secret);
    }
  });
});

describe('explicit jwksUri', () => {
  it('skips discovery', async () => {
    const server = await FakeServer.for([rsa]);
    const validator = jwtValidator({ issuer: ISSUER, jwksUri: JWKS_URL, fetch: server.fetch });
    await validator.validate(await sign(rsa), { resource: RESOURCE });
    expect(server.calls).toEqual([JWKS_URL]);
  });
});
