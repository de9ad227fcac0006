/**
 * What an operator sees of the JWT validator, with a real OpenTelemetry SDK in memory: a span per JWKS
 * fetch (and per discovery), children of the validation's span, counted by outcome; never token bytes.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { beforeAll, describe, expect, it } from 'vitest';
import { jwtValidator } from '../src/index.js';
import { FakeServer, ISSUER, JWKS_URL, RESOURCE, makeKey, rejection, sign, type TestKey } from './helpers.js';
import { inMemoryOtel } from '../../../test/helpers/otel.js';

const otel = inMemoryOtel();
let key: TestKey;

beforeAll(async () => {
  otel.register();
  key = await makeKey('ES256', 'k1');
});

const ctx = { resource: RESOURCE };

describe('JWKS fetches', () => {
  it('a span per fetch, a child of the active span, with HTTP attributes; counted as ok', async () => {
    otel.reset();
    const server = await FakeServer.for([key]);
    const validator = jwtValidator({ issuer: ISSUER, fetch: server.fetch });
    const before = await otel.count('mcpgate.jwks.fetches', { 'mcpgate.outcome': 'ok' });
    const token = await sign(key);
    const { parent, error } = await otel.underParent(() => validator.validate(token, ctx));
    expect(error).toBeUndefined();
    const [fetch] = await otel.named('mcpgate.jwks.fetch');
    expect(fetch?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(fetch?.spanContext().traceId).toBe(parent.spanContext().traceId);
    expect(fetch?.kind).toBe(SpanKind.CLIENT);
    expect(fetch?.instrumentationScope.name).toBe('mcpgate');
    expect(fetch?.attributes).toEqual({
      'http.request.method': 'GET',
      'url.full': JWKS_URL,
      'server.address': 'as.example.com',
      'server.port': 443,
      'http.response.status_code': 200,
      'mcpgate.outcome': 'ok',
    });
    expect(fetch?.status.code).toBe(SpanStatusCode.UNSET);
    // the discovery that found jwks_uri is a sibling under the same parent
    const [discovery] = await otel.named('mcpgate.discovery');
    expect(discovery?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(await otel.count('mcpgate.jwks.fetches', { 'mcpgate.outcome': 'ok' })).toBe(before + 1);
    // a second validation uses the cached key set: no new fetch
    await validator.validate(await sign(key, { sub: 'user-2' }), ctx);
    expect(await otel.named('mcpgate.jwks.fetch')).toHaveLength(1);
  });

  it('url.full carries no query string', async () => {
    otel.reset();
    const server = await FakeServer.for([key]);
    server.routes.set(`${JWKS_URL}?tenant=acme&sig=abc123`, { keys: [key.jwk] });
    const validator = jwtValidator({ issuer: ISSUER, fetch: server.fetch, jwksUri: `${JWKS_URL}?tenant=acme&sig=abc123` });
    await validator.validate(await sign(key), ctx);
    const [fetch] = await otel.named('mcpgate.jwks.fetch');
    expect(fetch?.attributes['url.full']).toBe(JWKS_URL);
    expect(await otel.everything()).not.toContain('abc123');
  });

  it.each([
    ['http_error', '500', () => new Response('down', { status: 500 })],
    ['malformed', 'MalformedJwks', () => Response.json({ nokeys: true })],
    ['unreachable', 'TypeError', () => Promise.reject(new TypeError('connect ECONNREFUSED secret-detail'))],
  ] as const)('a failed fetch (%s): span status ERROR with the error name only, counted by outcome', async (outcome, name, answer) => {
    otel.reset();
    const server = await FakeServer.for([key]);
    server.routes.set(JWKS_URL, answer);
    const validator = jwtValidator({ issuer: ISSUER, fetch: server.fetch });
    const before = await otel.count('mcpgate.jwks.fetches', { 'mcpgate.outcome': outcome });
    const { parent, error } = await otel.underParent(async () => validator.validate(await sign(key), ctx));
    expect(error).toMatchObject({ code: 'ERR_UNAVAILABLE', dependency: 'jwks' });
    const [fetch] = await otel.named('mcpgate.jwks.fetch');
    expect(fetch?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(fetch?.status).toEqual({ code: SpanStatusCode.ERROR, message: name });
    expect(fetch?.attributes).toMatchObject({ 'mcpgate.outcome': outcome, 'error.type': name });
    expect(await otel.count('mcpgate.jwks.fetches', { 'mcpgate.outcome': outcome })).toBe(before + 1);
    expect(await otel.everything()).not.toContain('secret-detail');
  });

  it('a fetch that never answers ends its span when jose gives up: timeout', async () => {
    otel.reset();
    const server = await FakeServer.for([key]);
    server.routes.set(JWKS_URL, () => new Promise<Response>(() => undefined));
    const validator = jwtValidator({ issuer: ISSUER, fetch: server.fetch, timeoutMs: 100 });
    const error = await rejection(validator.validate(await sign(key), ctx));
    expect(error).toMatchObject({ dependency: 'jwks' });
    const [fetch] = await otel.named('mcpgate.jwks.fetch');
    expect(fetch?.attributes['mcpgate.outcome']).toBe('timeout');
    expect(fetch?.status.code).toBe(SpanStatusCode.ERROR);
    expect(await otel.count('mcpgate.jwks.fetches', { 'mcpgate.outcome': 'timeout' })).toBe(1);
  });

  it('never puts token bytes in a span, an event or a metric', async () => {
    otel.reset();
    const server = await FakeServer.for([key]);
    const validator = jwtValidator({ issuer: ISSUER, fetch: server.fetch });
    const token = await sign(key, { sub: 'user-secret-subject' });
    await otel.underParent(() => validator.validate(token, ctx));
    const bad = `${token.slice(0, -4)}AAAA`;
    await otel.underParent(() => validator.validate(bad, ctx));
    const everything = await otel.everything();
    expect((await otel.spans()).length).toBeGreaterThanOrEqual(2);
    for (const part of token.split('.')) expect(everything).not.toContain(part);
    expect(everything).not.toContain(bad.split('.')[2]);
    expect(await otel.scopes()).toEqual(['mcpgate']);
  });
});
