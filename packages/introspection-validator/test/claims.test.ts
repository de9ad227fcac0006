import { describe, expect, it } from 'vitest';
import { introspectionValidator } from '../src/index.js';
import { RESOURCE, activeClaims, baseOptions, fakeFetch, json, nowSeconds } from './helpers.js';

const ctx = { resource: RESOURCE };

async function refusal(claims: Record<string, unknown>, options: Record<string, unknown> = {}) {
  const { fetch } = fakeFetch(() => json(claims));
  const error = await introspectionValidator({ ...baseOptions, ...options, fetch }).validate('tok', ctx).then(
    () => undefined,
    (e: unknown) => e as { code?: string; reason?: string; claim?: string; dependency?: string },
  );
  expect(error).toBeDefined();
  return error!;
}

describe('introspection answers', () => {
  it('builds the principal from an active answer', async () => {
    const claims = activeClaims();
    const { fetch } = fakeFetch(() => json(claims));
    const before = nowSeconds();
    const principal = await introspectionValidator({ ...baseOptions, fetch }).validate('tok', ctx);
    expect(principal.verifiedAt).toBeGreaterThanOrEqual(before);
    expect(principal.verifiedAt).toBeLessThanOrEqual(nowSeconds());
    expect(principal).toEqual({
      verifiedAt: principal.verifiedAt,
      issuer: baseOptions.issuer,
      subject: 'user-1',
      clientId: 'client-a',
      scopes: ['mcp:tools', 'mcp:read'],
      expiresAt: claims['exp'],
      audience: [RESOURCE],
      claims,
    });
  });

  it('defaults clientId to the empty string and scopes to none', async () => {
    const { fetch } = fakeFetch(() => json({ active: true, sub: 'u', aud: RESOURCE, exp: nowSeconds() + 60 }));
    const principal = await introspectionValidator({ ...baseOptions, fetch }).validate('tok', ctx);
    expect(principal).toMatchObject({ clientId: '', scopes: [], audience: [RESOURCE] });
  });

  it.each([
    ['missing active', { sub: 'u' }],
    ['string active', { active: 'true', sub: 'u' }],
    ['a JSON array', [{ active: true }]],
    ['exp as a string', { active: true, sub: 'u', exp: '123' }],
    ['aud of numbers', { active: true, sub: 'u', aud: [1] }],
  ])('treats %s as an authorization-server fault (503)', async (_name, body) => {
    const error = await refusal(body as Record<string, unknown>, { retryAfterSeconds: 7 });
    expect(error).toMatchObject({ code: 'ERR_UNAVAILABLE', dependency: 'introspection', retryAfter: 7 });
  });

  it('refuses an inactive token', async () => {
    expect(await refusal({ active: false })).toMatchObject({ code: 'ERR_INVALID_TOKEN', reason: 'inactive' });
  });

  it('accepts an array aud containing the resource or its trailing-slash twin', async () => {
    for (const aud of [['https://other.example.com', RESOURCE], [`${RESOURCE}/`]]) {
      const { fetch } = fakeFetch(() => json(activeClaims({ aud })));
      const principal = await introspectionValidator({ ...baseOptions, fetch }).validate('tok', ctx);
      expect(principal.audience).toEqual(aud);
    }
  });

  it('refuses an aud that does not name the resource', async () => {
    expect(await refusal(activeClaims({ aud: ['https://other.example.com/mcp'] }))).toMatchObject({ reason: 'audience', claim: 'aud' });
  });

  it('refuses a missing aud by default and accepts it with requireAudience: false', async () => {
    const claims = activeClaims({ aud: undefined });
    expect(await refusal(claims)).toMatchObject({ code: 'ERR_INVALID_TOKEN', reason: 'missing_claim', claim: 'aud' });
    const { fetch } = fakeFetch(() => json(claims));
    const logger = { warn: () => undefined, error: () => undefined };
    await expect(introspectionValidator({ ...baseOptions, fetch, requireAudience: false, logger }).validate('tok', ctx)).resolves.toMatchObject({ audience: [] });
  });

  it('refuses another issuer', async () => {
    expect(await refusal(activeClaims({ iss: 'https://evil.example.com' }))).toMatchObject({ reason: 'issuer' });
  });

  it('derives expiresAt from cacheTtlSeconds when the answer has no exp', async () => {
    const { fetch } = fakeFetch(() => json(activeClaims({ exp: undefined })));
    const before = nowSeconds();
    const principal = await introspectionValidator({ ...baseOptions, fetch, cacheTtlSeconds: 30 }).validate('tok', ctx);
    expect(principal.expiresAt).toBeGreaterThanOrEqual(before + 30);
    expect(principal.expiresAt).toBeLessThanOrEqual(nowSeconds() + 30);
  });

  it('refuses an expired exp, a future nbf, a missing sub and a non-bearer token_type', async () => {
    expect(await refusal(activeClaims({ exp: nowSeconds() - 10 }))).toMatchObject({ reason: 'expired' });
    expect(await refusal(activeClaims({ nbf: nowSeconds() + 600 }))).toMatchObject({ reason: 'not_yet_valid' });
    expect(await refusal(activeClaims({ sub: undefined }))).toMatchObject({ reason: 'missing_claim', claim: 'sub' });
    expect(await refusal(activeClaims({ sub: '' }))).toMatchObject({ reason: 'missing_claim', claim: 'sub' });
    expect(await refusal(activeClaims({ token_type: 'refresh_token' }))).toMatchObject({ reason: 'type' });
  });

  it('accepts token_type access_token and bearer in any case', async () => {
    for (const token_type of ['access_token', 'BEARER', 'bearer']) {
      const { fetch } = fakeFetch(() => json(activeClaims({ token_type })));
      await expect(introspectionValidator({ ...baseOptions, fetch }).validate('tok', ctx)).resolves.toBeDefined();
    }
  });

  it('accepts token_type DPoP only with the cnf.jkt of the key it is bound to (RFC 9449 §6.2)', async () => {
    const bound = fakeFetch(() => json(activeClaims({ token_type: 'DPoP', cnf: { jkt: 'thumbprint' } })));
    await expect(introspectionValidator({ ...baseOptions, fetch: bound.fetch }).validate('tok', ctx)).resolves.toMatchObject({ claims: { cnf: { jkt: 'thumbprint' } } });
    for (const cnf of [undefined, {}, { jkt: '' }, { jkt: 42 }]) {
      const { fetch } = fakeFetch(() => json(activeClaims({ token_type: 'dpop', ...(cnf === undefined ? {} : { cnf }) })));
      await expect(introspectionValidator({ ...baseOptions, fetch }).validate('tok', ctx)).rejects.toMatchObject({ code: 'ERR_INVALID_TOKEN', claim: 'cnf' });
    }
  });
});
