import { describe, expect, it, vi } from 'vitest';
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

describe('strict options', () => {
  it('throws on a misspelt option, naming it and suggesting the known one', () => {
    expect(() => introspectionValidator({ ...baseOptions, cacheTTLSeconds: 5 } as unknown as IntrospectionValidatorOptions)).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringMatching(/"cacheTTLSeconds".*did you mean "cacheTtlSeconds"/) }),
    );
    expect(() => introspectionValidator({ ...baseOptions, sealr: undefined } as unknown as IntrospectionValidatorOptions)).toThrow(/"sealr"/);
  });
});

describe('requireAudience', () => {
  it('defaults to true without a warning; an explicit false logs one warning at construction', () => {
    const warn = vi.fn();
    introspectionValidator({ ...baseOptions, logger: { warn, error: warn } });
    introspectionValidator({ ...baseOptions, requireAudience: true, logger: { warn, error: warn } });
    expect(warn).not.toHaveBeenCalled();
    introspectionValidator({ ...baseOptions, requireAudience: false, logger: { warn, error: warn } });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(/requireAudience is false.*omits aud.*other resource servers will be accepted/);
  });
});
