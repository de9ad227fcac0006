/**
 * What an operator sees of the introspection validator, with a real OpenTelemetry SDK in memory: a span
 * per introspection call (a child of the validation's span), calls by outcome, cache hits and misses;
 * never token bytes or the client secret.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { beforeAll, describe, expect, it } from 'vitest';
import { introspectionValidator } from '../src/index.js';
import { ENDPOINT, ISSUER, RESOURCE, activeClaims, baseOptions, fakeFetch, json } from './helpers.js';
import { inMemoryOtel } from '../../../test/helpers/otel.js';

const otel = inMemoryOtel();
const ctx = { resource: RESOURCE };
const TOKEN = 'opaque-token-5f3c9a1e77d04b2c';
const SECRET = 'client-secret-9d8e7f6a5b4c';

beforeAll(() => {
  otel.register();
});

const requests = (outcome: string) => otel.count('mcpgate.introspection.requests', { 'mcpgate.outcome': outcome });
const lookups = (result: string) => otel.count('mcpgate.introspection.cache.lookups', { 'mcpgate.cache.result': result });

describe('introspection calls', () => {
  it('a span per call, a child of the active span, with HTTP attributes; calls and cache lookups counted', async () => {
    otel.reset();
    const { fetch } = fakeFetch(() => json(activeClaims()));
    const validator = introspectionValidator({ ...baseOptions, clientSecret: SECRET, fetch });
    const [active, miss, hit] = [await requests('active'), await lookups('miss'), await lookups('hit')];
    const { parent, error } = await otel.underParent(() => validator.validate(TOKEN, ctx));
    expect(error).toBeUndefined();
    const [span] = await otel.named('mcpgate.introspection');
    expect(span?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(span?.kind).toBe(SpanKind.CLIENT);
    expect(span?.instrumentationScope.name).toBe('mcpgate');
    expect(span?.attributes).toEqual({
      'http.request.method': 'POST',
      'url.full': ENDPOINT,
      'server.address': 'as.example.com',
      'server.port': 443,
      'http.response.status_code': 200,
      'mcpgate.outcome': 'active',
    });
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
    expect(await requests('active')).toBe(active + 1);
    expect(await lookups('miss')).toBe(miss + 1);
    // the answer is cached: a hit, and no new call
    await validator.validate(TOKEN, ctx);
    expect(await lookups('hit')).toBe(hit + 1);
    expect(await otel.named('mcpgate.introspection')).toHaveLength(1);
    expect(await requests('active')).toBe(active + 1);
  });

  it('an inactive answer is a normal answer: outcome inactive, status unset', async () => {
    otel.reset();
    const { fetch } = fakeFetch(() => json({ active: false }));
    const validator = introspectionValidator({ ...baseOptions, fetch });
    const before = await requests('inactive');
    await expect(validator.validate('inactive-token', ctx)).rejects.toMatchObject({ reason: 'inactive' });
    const [span] = await otel.named('mcpgate.introspection');
    expect(span?.attributes['mcpgate.outcome']).toBe('inactive');
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
    expect(await requests('inactive')).toBe(before + 1);
  });

  it.each([
    ['http_error', () => json({ error: 'invalid_client' }, 401), 401],
    ['malformed', () => json({ active: 'true' }), 200],
    ['unreachable', () => Promise.reject(new TypeError('getaddrinfo ENOTFOUND secret-detail')), undefined],
    ['timeout', () => new Promise<Response>(() => undefined), undefined],
  ] as const)('a failed call (%s): span status ERROR with the error name only, counted by outcome', async (outcome, answer, status) => {
    otel.reset();
    const { fetch } = fakeFetch(answer);
    const validator = introspectionValidator({ ...baseOptions, fetch, timeoutMs: 100, logger: { warn: () => undefined, error: () => undefined } });
    const before = await requests(outcome);
    const { parent, error } = await otel.underParent(() => validator.validate(`${outcome}-token`, ctx));
    expect(error).toMatchObject({ code: 'ERR_UNAVAILABLE', dependency: 'introspection' });
    const [span] = await otel.named('mcpgate.introspection');
    expect(span?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'ServiceUnavailableError' });
    expect(span?.attributes).toMatchObject({ 'mcpgate.outcome': outcome, 'error.type': 'ServiceUnavailableError' });
    expect(span?.attributes['http.response.status_code']).toBe(status);
    expect(await requests(outcome)).toBe(before + 1);
    expect(await otel.everything()).not.toContain('secret-detail');
  });

  it('discovery of the endpoint is its own span under the same parent', async () => {
    otel.reset();
    const { fetch } = fakeFetch((call) =>
      call.url.endsWith('/.well-known/oauth-authorization-server') ? json({ issuer: ISSUER, introspection_endpoint: ENDPOINT }) : json(activeClaims()),
    );
    const { endpoint: _none, ...discovered } = baseOptions;
    const validator = introspectionValidator({ ...discovered, fetch });
    const { parent } = await otel.underParent(() => validator.validate('discovered-token', ctx));
    const [discovery] = await otel.named('mcpgate.discovery');
    const [introspection] = await otel.named('mcpgate.introspection');
    expect(discovery?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(introspection?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
  });

  it('never puts token bytes or the client secret in a span, an event or a metric', async () => {
    otel.reset();
    const { fetch, calls } = fakeFetch((call) => (call.body.get('token') === TOKEN ? json(activeClaims()) : json({ active: false })));
    const validator = introspectionValidator({ ...baseOptions, clientSecret: SECRET, fetch });
    await otel.underParent(() => validator.validate(TOKEN, ctx));
    await otel.underParent(() => validator.validate(`${TOKEN}-other`, ctx));
    expect(calls.map((c) => c.body.get('token'))).toContain(TOKEN); // the token did go over the wire
    const everything = await otel.everything();
    expect((await otel.named('mcpgate.introspection')).length).toBeGreaterThanOrEqual(2);
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(Buffer.from(`rs:${SECRET}`).toString('base64'));
    expect(await otel.scopes()).toEqual(['mcpgate']);
  });
});
