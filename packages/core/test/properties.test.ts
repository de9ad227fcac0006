/** Property-based tests for the two places request bytes reach: the header parser and the challenge builder. */
import { validateHeaderValue } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractBearerToken, isB64Token } from '../src/bearer.js';
import { errorResponse } from '../src/challenge.js';
import {
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  NoCredentialsError,
  OriginNotAllowedError,
  ReconnectRequiredError,
  ServiceUnavailableError,
  SessionNotFoundError,
  isMcpAuthError,
} from '../src/errors.js';

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const b64token = fc
  .tuple(fc.stringMatching(/^[A-Za-z0-9\-._~+/]{1,64}$/), fc.stringMatching(/^={0,2}$/))
  .map(([body, pad]) => body + pad);
const anyText = fc.string({ unit: 'binary', maxLength: 80 });

describe('isB64Token', () => {
  it('agrees with the RFC 6750 b64token grammar as one regular expression, on any text and on near-tokens', () => {
    const alphabet = fc.constantFrom(...'Aa0-._~+/= \t,"é\u0000'.split(''));
    const nearToken = fc.array(alphabet, { maxLength: 12 }).map((chars) => chars.join(''));
    for (const text of [anyText, nearToken, b64token]) {
      fc.assert(
        fc.property(text, (value) => {
          expect(isB64Token(value)).toBe(B64TOKEN.test(value));
        }),
        { numRuns: 2_000 },
      );
    }
    for (const value of ['', '=', 'a', 'a=', 'a==', '=a', 'a=b', 'a=b=', 'a= ', '-._~+/', 'a\n', 'a\u00a0']) expect(isB64Token(value), value).toBe(B64TOKEN.test(value));
  });
});

describe('extractBearerToken, for any header value', () => {
  it('returns a single b64token or throws a coded error, never anything else', () => {
    fc.assert(
      fc.property(fc.array(anyText, { maxLength: 3 }), (authorization) => {
        try {
          const token = extractBearerToken({ authorization });
          expect(authorization).toHaveLength(1);
          expect(token).toMatch(B64TOKEN);
          expect(authorization[0]).toMatch(/^[ \t]*bearer +/i);
        } catch (error) {
          expect(isMcpAuthError(error)).toBe(true);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('accepts exactly "Bearer" 1*SP b64token, with optional SP/HTAB around', () => {
    fc.assert(
      fc.property(
        b64token,
        fc.constantFrom('Bearer', 'bearer', 'BEARER'),
        fc.stringMatching(/^ {1,3}$/),
        fc.stringMatching(/^[ \t]{0,2}$/),
        fc.stringMatching(/^[ \t]{0,2}$/),
        (token, scheme, gap, before, after) => {
          expect(extractBearerToken({ authorization: [`${before}${scheme}${gap}${token}${after}`] })).toBe(token);
        },
      ),
    );
  });

  it('refuses any other whitespace around or inside (U+00A0, U+FEFF, line separators, tabs between)', () => {
    const odd = fc.constantFrom('\u00A0', '\uFEFF', '\u2028', '\u3000', '\v', '\f', '\r', '\n');
    fc.assert(
      fc.property(b64token, odd, fc.constantFrom('start', 'end', 'gap', 'tab-gap'), (token, ws, where) => {
        const value =
          where === 'start' ? `${ws}Bearer ${token}` : where === 'end' ? `Bearer ${token}${ws}` : where === 'gap' ? `Bearer${ws}${token}` : `Bearer\t${token}`;
        expect(() => extractBearerToken({ authorization: [value] })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_REQUEST' }));
      }),
    );
  });
});

describe('errorResponse, for any error content', () => {
  const options = { resourceMetadataUrl: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp', defaultScopes: ['mcp:tools'] };
  const error = fc.oneof(
    anyText.map((m) => new NoCredentialsError(m)),
    fc.tuple(anyText, fc.option(fc.integer({ min: -32768, max: -32000 }), { nil: undefined })).map(([m, code]) =>
      code === undefined ? new InvalidRequestError(m) : new InvalidRequestError(m, { jsonRpcCode: code }),
    ),
    anyText.map((m) => new InvalidTokenError(m)),
    fc.tuple(anyText, fc.array(anyText, { maxLength: 4 })).map(([m, scopes]) => new InsufficientScopeError(m, scopes)),
    anyText.map((m) => new SessionNotFoundError(m)),
    anyText.map((m) => new OriginNotAllowedError(m)),
    fc.tuple(anyText, fc.double()).map(([m, retryAfter]) => new ServiceUnavailableError(m, { dependency: m, retryAfter })),
    anyText.map((m) => new ReconnectRequiredError(m)),
    anyText.map((m) => new Error(m)),
  );

  it('never throws and always yields valid header values and a JSON body', () => {
    fc.assert(
      fc.property(error, (e) => {
        const answer = errorResponse(e, options);
        for (const [name, value] of Object.entries(answer.headers)) expect(() => validateHeaderValue(name, value)).not.toThrow();
        expect(() => JSON.stringify(answer.body)).not.toThrow();
        expect([400, 401, 403, 404, 408, 413, 415, 500, 503]).toContain(answer.status);
      }),
      { numRuns: 2_000 },
    );
  });

  it('keeps the challenge parseable: every parameter is one quoted-string', () => {
    fc.assert(
      fc.property(anyText, fc.array(anyText, { maxLength: 3 }), (message, scopes) => {
        const header = errorResponse(new InsufficientScopeError(message, scopes), options).headers['WWW-Authenticate'] as string;
        expect(header).toMatch(/^Bearer [a-z_]+="(?:[^"\\\x00-\x08\x0A-\x1F\x7F]|\\.)*"(?:, [a-z_]+="(?:[^"\\\x00-\x08\x0A-\x1F\x7F]|\\.)*")*$/);
      }),
    );
  });
});
