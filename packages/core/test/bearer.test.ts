import { describe, expect, it } from 'vitest';
import { extractBearerToken } from '../src/bearer.js';

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return (error as { code: string }).code;
  }
  return 'none';
};

describe('extractBearerToken', () => {
  it('accepts the scheme in any case and one b64token', () => {
    expect(extractBearerToken({ authorization: ['Bearer abc.DEF-_~+/=='] })).toBe('abc.DEF-_~+/==');
    expect(extractBearerToken({ authorization: ['bearer abc'] })).toBe('abc');
    expect(extractBearerToken({ authorization: ['BEARER   abc'] })).toBe('abc');
  });

  it('reports missing credentials apart from malformed ones', () => {
    expect(code(() => extractBearerToken({ authorization: [] }))).toBe('ERR_NO_CREDENTIALS');
  });

  it.each([
    ['empty header', ['']],
    ['scheme only', ['Bearer']],
    ['scheme and spaces', ['Bearer    ']],
    ['other scheme', ['Basic YWxhZGRpbjpvcGVuc2VzYW1l']],
    ['two tokens', ['Bearer abc def']],
    ['trailing junk', ['Bearer abc, foo=bar']],
    ['non-ASCII', ['Bearer abcé']],
    ['padding inside', ['Bearer ab=c']],
    ['two headers', ['Bearer abc', 'Bearer abc']],
    ['20 kB token', [`Bearer ${'a'.repeat(20_000)}`]],
    ['tab separator', ['Bearer\tabc']],
  ])('refuses %s as invalid_request', (_name, authorization) => {
    expect(code(() => extractBearerToken({ authorization }))).toBe('ERR_INVALID_REQUEST');
  });

  it('refuses tokens in the query string or body even next to a good header', () => {
    expect(code(() => extractBearerToken({ authorization: [], tokenInQuery: true }))).toBe('ERR_INVALID_REQUEST');
    expect(code(() => extractBearerToken({ authorization: ['Bearer abc'], tokenInQuery: true }))).toBe('ERR_INVALID_REQUEST');
    expect(code(() => extractBearerToken({ authorization: ['Bearer abc'], tokenInBody: true }))).toBe('ERR_INVALID_REQUEST');
  });
});
