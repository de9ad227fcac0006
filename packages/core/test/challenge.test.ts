import { describe, expect, it } from 'vitest';
import { errorResponse, quoteHeaderValue } from '../src/challenge.js';
import {
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  NoCredentialsError,
  ServiceUnavailableError,
  SessionNotFoundError,
} from '../src/errors.js';

const options = { resourceMetadataUrl: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp', defaultScopes: ['mcp:tools'] };

describe('errorResponse', () => {
  it('answers missing credentials with 401 and no error code', () => {
    const r = errorResponse(new NoCredentialsError('x'), options);
    expect(r.status).toBe(401);
    expect(r.headers['WWW-Authenticate']).toBe(
      'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="mcp:tools"',
    );
    expect(r.headers['WWW-Authenticate']).not.toContain('error=');
  });

  it('answers a bad token with 401 invalid_token and resource_metadata', () => {
    const r = errorResponse(new InvalidTokenError('signature mismatch for kid k-123', { reason: 'signature' }), options);
    expect(r.status).toBe(401);
    expect(r.headers['WWW-Authenticate']).toMatch(/^Bearer error="invalid_token", /);
    expect(r.headers['WWW-Authenticate']).toContain('resource_metadata="https://mcp.example.com/');
    expect(JSON.stringify(r.body)).not.toContain('k-123');
  });

  it('answers a missing scope with 403 listing every needed scope', () => {
    const r = errorResponse(new InsufficientScopeError('need', ['mcp:tools', 'mcp:admin']), options);
    expect(r.status).toBe(403);
    expect(r.headers['WWW-Authenticate']).toContain('error="insufficient_scope"');
    expect(r.headers['WWW-Authenticate']).toContain('scope="mcp:tools mcp:admin"');
    expect(r.headers['WWW-Authenticate']).toContain('resource_metadata=');
  });

  it('answers malformed requests with 400 invalid_request', () => {
    const r = errorResponse(new InvalidRequestError('bad "header"'), options);
    expect(r.status).toBe(400);
    expect(r.headers['WWW-Authenticate']).toContain('error="invalid_request"');
    expect(r.headers['WWW-Authenticate']).toContain('error_description="bad \\"header\\""');
  });

  it('answers an outage with 503 and Retry-After, never 401', () => {
    const r = errorResponse(new ServiceUnavailableError('down', { dependency: 'jwks', retryAfter: 7 }), options);
    expect(r.status).toBe(503);
    expect(r.headers['Retry-After']).toBe('7');
    expect(r.headers['WWW-Authenticate']).toBeUndefined();
  });

  it('answers a foreign session exactly like an unknown one', () => {
    const r = errorResponse(new SessionNotFoundError('x'), options);
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
  });

  it('answers unknown errors with 500 without details', () => {
    const error = new Error('secret eyJhbGciOi stack');
    const r = errorResponse(error, options);
    expect(r.status).toBe(500);
    expect(JSON.stringify(r.body)).not.toContain('eyJ');
  });

  it('escapes quoted-string values', () => {
    expect(quoteHeaderValue('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(quoteHeaderValue('line\r\nbreak')).toBe('"line  break"');
  });
});
