import { describe, expect, it } from 'vitest';
import { introspectionValidator } from '../src/index.js';
import type { IntrospectionValidatorOptions } from '../src/index.js';
import { baseOptions } from './helpers.js';

describe('options', () => {
  it('builds a validator of kind introspection', () => {
    expect(introspectionValidator(baseOptions).kind).toBe('introspection');
  });

  it.each<[string, Record<string, unknown>]>([
    ['issuer', { issuer: 'not a url' }],
    ['issuer', { issuer: 'ftp://as.example.com' }],
    ['endpoint', { endpoint: '/introspect' }],
    ['clientId', { clientId: '' }],
    ['clientSecret', { clientSecret: undefined }],
    ['clientAuthMethod', { clientAuthMethod: 'private_key_jwt' }],
    ['cacheTtlSeconds', { cacheTtlSeconds: 0 }],
    ['negativeCacheTtlSeconds', { negativeCacheTtlSeconds: -1 }],
    ['requireAudience', { requireAudience: 'yes' }],
    ['timeoutMs', { timeoutMs: Number.NaN }],
    ['fetch', { fetch: 'fetch' }],
    ['cache', { cache: {} }],
    ['retryAfterSeconds', { retryAfterSeconds: 1.5 }],
  ])('throws a TypeError naming %s', (name, bad) => {
    expect(() => introspectionValidator({ ...baseOptions, ...bad } as unknown as IntrospectionValidatorOptions)).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringContaining(name) }),
    );
  });
});
