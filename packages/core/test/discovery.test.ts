import { context, metrics, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { beforeAll, describe, expect, it } from 'vitest';
import { cachedDiscovery, discoverAuthorizationServer, type DiscoveryFetch } from '../src/internal.js';

// A real OpenTelemetry SDK in memory, registered before the first instrument is made.
const spans = new InMemorySpanExporter();
const metricsOut = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter: metricsOut, exportIntervalMillis: 60_000 });
const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
});
async function discoverySpans() {
  await tracerProvider.forceFlush();
  return spans.getFinishedSpans().filter((s) => s.name === 'mcpgate.discovery');
}
async function discoveries(outcome: string): Promise<number> {
  await reader.forceFlush();
  const metric = metricsOut
    .getMetrics()
    .at(-1)
    ?.scopeMetrics.flatMap((s) => s.metrics)
    .find((m) => m.descriptor.name === 'mcpgate.discovery.requests');
  const point = metric?.dataPoints.find((p) => p.attributes['mcpgate.outcome'] === outcome);
  return typeof point?.value === 'number' ? point.value : 0;
}
/** Runs `work` under a parent span; returns the parent's span id and the error, if any. */
async function underParent(work: () => Promise<unknown>): Promise<{ parentId: string; error: unknown }> {
  const parent = trace.getTracer('test').startSpan('parent', {}, ROOT_CONTEXT);
  let error: unknown;
  await context.with(trace.setSpan(ROOT_CONTEXT, parent), work).catch((e: unknown) => (error = e));
  parent.end();
  return { parentId: parent.spanContext().spanId, error };
}

const ISSUER = 'https://as.example.com';
const RFC8414 = `${ISSUER}/.well-known/oauth-authorization-server`;
const OPENID = `${ISSUER}/.well-known/openid-configuration`;

/** A fetch answering from `routes` (404 otherwise), counting calls per URL. */
function fakeFetch(routes: Record<string, () => Response | Promise<Response>>): DiscoveryFetch & { calls: string[] } {
  const calls: string[] = [];
  const fetch = (async (url: string): Promise<Response> => {
    calls.push(url);
    const route = routes[url];
    return route === undefined ? new Response('not found', { status: 404 }) : route();
  }) as unknown as DiscoveryFetch & { calls: string[] };
  fetch.calls = calls;
  return fetch;
}

const doc = (extra: Record<string, unknown> = {}) => () => Response.json({ issuer: ISSUER, token_endpoint: `${ISSUER}/token`, ...extra });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('discoverAuthorizationServer', () => {
  it('passes over a document lacking a required member and takes the next location', async () => {
    const fetch = fakeFetch({ [RFC8414]: doc(), [OPENID]: doc({ jwks_uri: `${ISSUER}/jwks` }) });
    const metadata = await discoverAuthorizationServer(ISSUER, { fetch, requires: ['jwks_uri'] });
    expect(metadata['jwks_uri']).toBe(`${ISSUER}/jwks`);
    expect(fetch.calls).toEqual([RFC8414, OPENID]);
  });

  it('passes over a document naming another issuer, and says why when none is usable', async () => {
    const fetch = fakeFetch({ [RFC8414]: () => Response.json({ issuer: 'https://evil.example' }) });
    await expect(discoverAuthorizationServer(ISSUER, { fetch })).rejects.toMatchObject({
      code: 'ERR_UNAVAILABLE',
      dependency: 'discovery',
      message: expect.stringMatching(/names issuer "https:\/\/evil\.example", expected exactly "https:\/\/as\.example\.com".*HTTP 404/),
    });
  });

  it('stops at a network failure (every location is on the same host) and at a timeout', async () => {
    const down = fakeFetch({ [RFC8414]: () => Promise.reject(new TypeError('fetch failed')) });
    await expect(discoverAuthorizationServer(ISSUER, { fetch: down })).rejects.toMatchObject({ dependency: 'discovery', message: expect.stringMatching(/failed/) });
    expect(down.calls).toEqual([RFC8414]);
    const hanging = fakeFetch({ [RFC8414]: () => new Promise<Response>(() => undefined) });
    await expect(discoverAuthorizationServer(ISSUER, { fetch: hanging, timeoutMs: 50 })).rejects.toMatchObject({
      message: expect.stringMatching(/timed out after 50 ms/),
    });
  });

  it('never follows redirects', async () => {
    let redirect: RequestInit['redirect'];
    const fetch: DiscoveryFetch = async (_url, init) => {
      redirect = init.redirect;
      return doc()();
    };
    await discoverAuthorizationServer(ISSUER, { fetch });
    expect(redirect).toBe('manual');
  });
});

describe('cachedDiscovery', () => {
  it('shares one discovery among concurrent callers and reuses it within the TTL', async () => {
    const fetch = fakeFetch({ [RFC8414]: doc() });
    const metadata = cachedDiscovery(ISSUER, { fetch });
    await Promise.all(Array.from({ length: 10 }, () => metadata()));
    await metadata();
    expect(fetch.calls).toEqual([RFC8414]);
  });

  it('bridges an outage (5xx) with the last good document, and waits before asking again', async () => {
    let status = 200;
    const fetch = fakeFetch({ [RFC8414]: () => (status === 200 ? doc()() : new Response('down', { status })) });
    const metadata = cachedDiscovery(ISSUER, { fetch, cacheTtlMs: 30 });
    await metadata();
    status = 503;
    await sleep(40);
    await expect(metadata()).resolves.toMatchObject({ issuer: ISSUER });
    const asked = fetch.calls.length;
    await expect(metadata()).resolves.toMatchObject({ issuer: ISSUER });
    expect(fetch.calls.length).toBe(asked); // within the backoff: not asked again
  });

  it('serves no stale document once the issuer answers with a wrong one, and asks again at the next call', async () => {
    let issuer = ISSUER;
    const fetch = fakeFetch({ [RFC8414]: () => Response.json({ issuer }) });
    const metadata = cachedDiscovery(ISSUER, { fetch, cacheTtlMs: 20 });
    await metadata();
    issuer = 'https://evil.example';
    await sleep(30);
    await expect(metadata()).rejects.toMatchObject({ dependency: 'discovery' });
    issuer = ISSUER;
    await expect(metadata()).resolves.toMatchObject({ issuer: ISSUER });
  });

  it('with no document to bridge an outage with, asks again at the next call (recovers as soon as the issuer is back)', async () => {
    let up = false;
    const fetch = fakeFetch({ [RFC8414]: () => (up ? doc()() : Promise.reject(new TypeError('fetch failed'))) });
    const metadata = cachedDiscovery(ISSUER, { fetch });
    await expect(metadata()).rejects.toMatchObject({ dependency: 'discovery' });
    up = true;
    await expect(metadata()).resolves.toMatchObject({ issuer: ISSUER });
    expect(fetch.calls).toEqual([RFC8414, RFC8414]);
  });
});

describe('telemetry: one span mcpgate.discovery per discovery, counted in mcpgate.discovery.requests by outcome', () => {
  it('a child of the active span; the location that answered, the locations passed over as events', async () => {
    spans.reset();
    const before = await discoveries('ok');
    const fetch = fakeFetch({ [RFC8414]: doc(), [OPENID]: doc({ jwks_uri: `${ISSUER}/jwks` }) });
    const { parentId, error } = await underParent(() => discoverAuthorizationServer(ISSUER, { fetch, requires: ['jwks_uri'] }));
    expect(error).toBeUndefined();
    const [span] = await discoverySpans();
    expect(span?.parentSpanContext?.spanId).toBe(parentId);
    expect(span?.kind).toBe(SpanKind.CLIENT);
    expect(span?.instrumentationScope.name).toBe('mcpgate');
    expect(span?.attributes).toEqual({
      'http.request.method': 'GET',
      'mcpgate.issuer': ISSUER,
      'url.full': OPENID,
      'server.address': 'as.example.com',
      'server.port': 443,
      'mcpgate.discovery.attempts': 2,
      'http.response.status_code': 200,
      'mcpgate.outcome': 'ok',
    });
    expect(span?.events.map((e) => [e.name, e.attributes])).toEqual([
      ['mcpgate.discovery.passed_over', { 'url.full': RFC8414, 'server.address': 'as.example.com', 'server.port': 443, 'http.response.status_code': 200, 'mcpgate.reason': 'missing_member' }],
    ]);
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
    expect(await discoveries('ok')).toBe(before + 1);
  });

  it.each([
    ['unusable', () => new Response('nope', { status: 404 })],
    ['server_error', () => new Response('down', { status: 503 })],
    ['unreachable', () => Promise.reject(new TypeError('connect ECONNREFUSED secret-detail'))],
    ['timeout', () => new Promise<Response>(() => undefined)],
  ] as const)('a failed discovery (%s): status ERROR with the error name only, counted by outcome', async (outcome, answer) => {
    spans.reset();
    const before = await discoveries(outcome);
    const fetch = fakeFetch({ [RFC8414]: answer, [OPENID]: answer });
    const { parentId, error } = await underParent(() => discoverAuthorizationServer(ISSUER, { fetch, timeoutMs: 50 }));
    expect(error).toMatchObject({ dependency: 'discovery' });
    const [span] = await discoverySpans();
    expect(span?.parentSpanContext?.spanId).toBe(parentId);
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'ServiceUnavailableError' });
    expect(span?.attributes).toMatchObject({ 'mcpgate.outcome': outcome, 'error.type': 'ServiceUnavailableError' });
    expect(JSON.stringify([span?.attributes, span?.events, span?.status])).not.toContain('secret-detail');
    expect(await discoveries(outcome)).toBe(before + 1);
  });

  it('reasons are short codes, never document content; url.full has no query string; a cached document is no new discovery', async () => {
    spans.reset();
    const tenant = 'https://as.example.com/tenant?x=query-secret';
    const fetch: DiscoveryFetch = async (url) =>
      url.includes('oauth-authorization-server') ? Response.json({ issuer: 'https://evil.example/document-content' }) : Response.json({ issuer: tenant });
    const metadata = cachedDiscovery(tenant, { fetch });
    await metadata();
    await metadata();
    const found = await discoverySpans();
    expect(found).toHaveLength(1);
    expect(found[0]?.events[0]?.attributes?.['mcpgate.reason']).toBe('issuer_mismatch');
    const everything = JSON.stringify(found.map((s) => [s.attributes, s.events]));
    expect(everything).not.toContain('document-content');
    expect(everything).not.toContain('query-secret');
    expect(found[0]?.attributes['mcpgate.issuer']).toBe('https://as.example.com/tenant');
    expect(found[0]?.attributes['url.full']).toBe('https://as.example.com/tenant/.well-known/openid-configuration');
  });
});
