import { describe, expect, it } from 'vitest';
import { DEFAULT_ALGORITHMS, jwtValidator, type JwtValidatorOptions } from '../src/index.js';
import { ISSUER } from './helpers.js';

const bad: Array<[string, Record<string, unknown>, RegExp]> = [
  ['no issuer', {}, /issuer/],
  ['empty issuer list', { issuer: [] }, /issuer/],
  ['relative issuer', { issuer: 'login.example.com' }, /issuer/],
  ['issuer with query', { issuer: `${ISSUER}?x=1` }, /issuer/],
  ['issuer with fragment', { issuer: `${ISSUER}#x` }, /issuer/],
  ['non-http issuer', { issuer: 'ftp://as.example.com' }, /issuer/],
  ['duplicate issuers', { issuer: [ISSUER, { issuer: ISSUER }] }, /issuer\[1\]/],
  ['jwksUri with two issuers', { issuer: [ISSUER, 'https://b.example.com'], jwksUri: `${ISSUER}/jwks` }, /jwksUri/],
  ['bad jwksUri', { issuer: ISSUER, jwksUri: 'not a url' }, /jwksUri/],
  ['alg none', { issuer: ISSUER, algorithms: ['RS256', 'none'] }, /algorithms.*none/],
  ['HS256', { issuer: ISSUER, algorithms: ['HS256'] }, /algorithms.*HS256/],
  ['unknown alg', { issuer: ISSUER, algorithms: ['XX999'] }, /algorithms/],
  ['empty algorithms', { issuer: ISSUER, algorithms: [] }, /algorithms/],
  ['per-issuer HS512', { issuer: [{ issuer: ISSUER, algorithms: ['HS512'] }] }, /issuer\[0\]\.algorithms/],
  ['negative tolerance', { issuer: ISSUER, clockToleranceSeconds: -1 }, /clockToleranceSeconds/],
  ['NaN tolerance', { issuer: ISSUER, clockToleranceSeconds: Number.NaN }, /clockToleranceSeconds/],
  ['empty subjectClaim', { issuer: ISSUER, subjectClaim: '' }, /subjectClaim/],
  ['non-boolean typ flag', { issuer: ISSUER, requireJwtAccessTokenType: 'yes' }, /requireJwtAccessTokenType/],
  ['empty audience', { issuer: ISSUER, audience: [] }, /audience/],
  ['fetch not a function', { issuer: ISSUER, fetch: 'fetch' }, /fetch/],
  ['zero timeout', { issuer: ISSUER, timeoutMs: 0 }, /timeoutMs/],
  ['fractional timeout', { issuer: ISSUER, timeoutMs: 1.5 }, /timeoutMs/],
  ['negative cooldown', { issuer: ISSUER, jwksCooldownMs: -5 }, /jwksCooldownMs/],
  ['zero cache age', { issuer: ISSUER, jwksCacheMaxAgeMs: 0 }, /jwksCacheMaxAgeMs/],
  ['infinite discovery TTL', { issuer: ISSUER, discoveryCacheTtlMs: Number.POSITIVE_INFINITY }, /discoveryCacheTtlMs/],
  ['misspelt option', { issuer: ISSUER, jwks_uri: `${ISSUER}/jwks` }, /jwks_uri/],
];

describe('options', () => {
  it.each(bad)('throws TypeError for %s', (_name, options, pattern) => {
    expect(() => jwtValidator(options as unknown as JwtValidatorOptions)).toThrow(TypeError);
    expect(() => jwtValidator(options as unknown as JwtValidatorOptions)).toThrow(pattern);
  });

  it('accepts the simple and the per-issuer forms without any network call', () => {
    expect(jwtValidator({ issuer: ISSUER }).kind).toBe('jwt');
    expect(jwtValidator({ issuer: [ISSUER, { issuer: 'https://b.example.com/t', jwksUri: 'https://b.example.com/k' }] }).kind).toBe('jwt');
    expect(jwtValidator({ issuer: ISSUER, jwksUri: `${ISSUER}/jwks`, algorithms: ['EdDSA', 'Ed25519'], audience: 'api://x' }).kind).toBe('jwt');
  });

  it('defaults to asymmetric algorithms only', () => {
    expect(DEFAULT_ALGORITHMS).toEqual(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']);
  });
});
