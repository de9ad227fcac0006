/**
 * What an operator sees, with a real OpenTelemetry SDK in memory: one span per decision (a child of the
 * incoming request's span, linked to a 2026-07-28 _meta.traceparent), decisions and latency by outcome,
 * cache and store metrics, the audit trail, per-principal rate limits; never token bytes.
 */
import { PassThrough } from 'node:stream';
import { context, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { inMemoryOtel } from '../../../test/helpers/otel.js';
import { createMcpAuth } from '../src/create-mcp-auth.js';
import { InvalidTokenError } from '../src/errors.js';
import { memoryStore } from '../src/memory-store.js';
import { jsonLinesAuditLog, type McpAuthEvent } from '../src/telemetry/events.js';
import type { McpAuthOptions } from '../src/options.js';
import type { Principal, Store } from '../src/types.js';

const RESOURCE = 'https://mcp.example.com/mcp';
const SECRET_TOKEN = 'tok-alice-0123456789abcdef';
const otel = inMemoryOtel();

beforeAll(() => {
  otel.register();
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});
afterEach(() => {
  vi.useRealTimers();
});

function principal(subject: string, scopes: string[]): Principal {
  return { issuer: 'https://as.example.com', subject, clientId: 'client-7', scopes, expiresAt: Math.floor(Date.now() / 1000) + 3600, audience: [RESOURCE], claims: {} };
}

function setup(overrides: Partial<McpAuthOptions> = {}) {
  const events: McpAuthEvent[] = [];
  const auth = createMcpAuth({
    resource: RESOURCE,
    authorizationServers: ['https://as.example.com'],
    validator: {
      kind: 'fake',
      async validate(token) {
        if (token === SECRET_TOKEN) return principal('alice', ['mcp:tools']);
        if (token === 'tok-bob') return principal('bob', ['mcp:tools']);
        throw new InvalidTokenError('unknown', { reason: 'signature' });
      },
    },
    requiredScopes: ['mcp:tools'],
    toolScopes: { admin_whoami: ['mcp:admin'] },
    logger: { warn: () => undefined, error: () => undefined },
    onEvent: (event) => events.push(event),
    ...overrides,
  });
  return { auth, events };
}

const call = (name: string, id: number | string = 1, meta?: Record<string, unknown>) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: {}, ...(meta !== undefined ? { _meta: meta } : {}) },
});
const request = (token: string | undefined, body: unknown = call('whoami'), extra: Record<string, unknown> = {}) => ({
  method: 'POST',
  authorization: token === undefined ? [] : [`Bearer ${token}`],
  body,
  ...extra,
});
async function attempt(promise: Promise<unknown>): Promise<void> {
  await promise.catch(() => undefined);
}
const metricPoints = (name: string) => otel.points(name);

describe('spans and metrics by outcome', () => {
  it('one span per decision, a child of the incoming request, with outcome, method, tool, user and client', async () => {
    otel.reset();
    const { auth } = setup();
    const parent = trace.getTracer('http').startSpan('POST /mcp');
    await context.with(trace.setSpan(context.active(), parent), () => auth.authenticate(request(SECRET_TOKEN)));
    parent.end();
    const decision = (await otel.spans()).find((s) => s.name === 'mcpgate.authenticate');
    expect(decision?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(decision?.attributes).toMatchObject({
      'mcpgate.outcome': 'ok',
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'whoami',
      'enduser.id': 'alice',
      'mcpgate.client_id': 'client-7',
      'jsonrpc.request.id': '1',
    });
  });

  it('links a 2026-07-28 _meta.traceparent', async () => {
    otel.reset();
    const { auth } = setup();
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await auth.authenticate(request(SECRET_TOKEN, call('whoami', 2, { traceparent })));
    const decision = (await otel.spans()).find((s) => s.name === 'mcpgate.authenticate');
    expect(decision?.links[0]?.context.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
  });

  it('counts and times every outcome', async () => {
    const broken: Store = { ...memoryStore(), get: () => Promise.reject(new Error('down')) };
    const { auth } = setup();
    const { auth: down } = setup({ store: broken });
    await attempt(auth.authenticate(request(SECRET_TOKEN)));
    await attempt(auth.authenticate(request(undefined)));
    await attempt(auth.authenticate(request('Bearer x y' as never)));
    await attempt(auth.authenticate(request('nope')));
    await attempt(auth.authenticate(request(SECRET_TOKEN, call('admin_whoami'))));
    await attempt(auth.authenticate(request(SECRET_TOKEN, call('whoami'), { sessionId: 'unknown-session' })));
    await attempt(down.authenticate(request(SECRET_TOKEN, call('whoami'), { sessionId: 'any' })));
    const outcomes = (await metricPoints('mcpgate.auth.decisions')).map((p) => p.attributes['mcpgate.outcome']);
    expect(outcomes).toEqual(
      expect.arrayContaining(['ok', 'no_credentials', 'invalid_request', 'invalid_token:signature', 'insufficient_scope', 'session_mismatch', 'unavailable:store']),
    );
    const durations = await metricPoints('mcpgate.auth.decision.duration');
    expect(durations.length).toBeGreaterThanOrEqual(7);
    expect((await metricPoints('mcpgate.token_cache.lookups')).map((p) => p.attributes['mcpgate.cache.result'])).toEqual(expect.arrayContaining(['hit', 'miss']));
    expect((await metricPoints('mcpgate.store.errors')).some((p) => p.attributes['mcpgate.store.operation'] === 'get')).toBe(true);
  });
});

describe('audit events', () => {
  it('one event per kind, with who, what and why', async () => {
    const { auth, events } = setup({ rateLimit: { limit: 1, windowMs: 60_000 } });
    await attempt(auth.authenticate(request(SECRET_TOKEN)));
    await attempt(auth.authenticate(request('tok-bob', call('admin_whoami', 'r-2'))));
    await attempt(auth.authenticate(request(undefined)));
    await attempt(auth.authenticate(request('nope')));
    await attempt(auth.authenticate(request(SECRET_TOKEN, call('whoami'), { sessionId: 'someone-elses' })));
    await attempt(auth.authenticate(request(SECRET_TOKEN))); // over the limit of 1 a minute
    await auth.bindSession('s-1', principal('alice', ['mcp:tools']));
    expect(await auth.unbindSession('s-1')).toBe(true);
    expect(await auth.unbindSession('s-1')).toBe(false); // closed twice (DELETE, then the transport): reported once
    expect(events.filter((e) => e.type === 'session.unbound')).toHaveLength(1);
    const byType = new Map(events.map((e) => [e.type, e]));
    expect(byType.get('operation.allowed')).toMatchObject({ principal: { subject: 'alice' }, clientId: 'client-7', method: 'tools/call', target: 'whoami', requestId: 1 });
    expect(byType.get('scope.step_up')).toMatchObject({ principal: { subject: 'bob' }, target: 'admin_whoami', requestId: 'r-2', requiredScopes: ['mcp:tools', 'mcp:admin'] });
    expect(byType.get('request.refused')).toMatchObject({ outcome: 'no_credentials' });
    expect(byType.get('token.refused')).toMatchObject({ outcome: 'invalid_token:signature' });
    expect(byType.get('session.mismatch')).toMatchObject({ principal: { subject: 'alice' } });
    expect(byType.get('rate.limited')).toMatchObject({ principal: { subject: 'alice' } });
    expect(byType.get('session.bound')).toMatchObject({ principal: { subject: 'alice' } });
    expect(byType.get('session.unbound')).toBeDefined();
    for (const event of events) expect(Date.parse(event.time)).not.toBeNaN();
  });

  it('writes JSON lines, and never token bytes anywhere (spans, metrics, events)', async () => {
    otel.reset();
    const out = new PassThrough();
    const lines: string[] = [];
    out.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
    const log = jsonLinesAuditLog(out);
    const { auth } = setup({ onEvent: log.onEvent });
    await attempt(auth.authenticate(request(SECRET_TOKEN)));
    await attempt(auth.authenticate(request(SECRET_TOKEN, call('admin_whoami'))));
    await attempt(auth.authenticate(request(`${SECRET_TOKEN}x`)));
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => (JSON.parse(l) as McpAuthEvent).type)).toEqual(['operation.allowed', 'scope.step_up', 'token.refused']);
    expect((await otel.named('mcpgate.authenticate')).length).toBeGreaterThanOrEqual(3);
    const everything = JSON.stringify([lines, await otel.everything()]);
    expect(everything).not.toContain(SECRET_TOKEN);
    expect(everything).not.toContain('0123456789abcdef');
  });

  it('records a resource URI without its query or fragment (spans and events)', async () => {
    otel.reset();
    const { auth, events } = setup();
    const read = { jsonrpc: '2.0', id: 3, method: 'resources/read', params: { uri: 'https://api.example.com/doc?sig=s3cr3t#frag' } };
    await auth.authenticate(request(SECRET_TOKEN, read));
    expect(events.at(-1)).toMatchObject({ type: 'operation.allowed', target: 'https://api.example.com/doc' });
    const decision = (await otel.spans()).find((s) => s.name === 'mcpgate.authenticate');
    expect(decision?.attributes['mcp.resource.name']).toBe('https://api.example.com/doc');
    expect(JSON.stringify([events, await otel.everything()])).not.toContain('s3cr3t');
  });

  it('a throwing listener never fails a request', async () => {
    const { auth } = setup({
      onEvent: () => {
        throw new Error('sink down');
      },
    });
    await expect(auth.authenticate(request(SECRET_TOKEN))).resolves.toMatchObject({ principal: { subject: 'alice' } });
  });
});

describe('rate limits', () => {
  it('lets a burst of `limit` through, then 429 with Retry-After, then one per interval', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { auth } = setup({ rateLimit: { limit: 3, windowMs: 3_000 } });
    for (let i = 0; i < 3; i++) await auth.authenticate(request(SECRET_TOKEN));
    const refused = await auth.authenticate(request(SECRET_TOKEN)).catch((e: unknown) => e);
    const answer = auth.errorResponse(refused);
    expect(answer.status).toBe(429);
    expect(answer.headers['Retry-After']).toBe('1');
    expect(answer.body).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 } });
    await expect(auth.authenticate(request('tok-bob'))).resolves.toBeDefined(); // another principal has its own bucket
    vi.advanceTimersByTime(1_000);
    await expect(auth.authenticate(request(SECRET_TOKEN))).resolves.toBeDefined();
    await expect(auth.authenticate(request(SECRET_TOKEN))).rejects.toMatchObject({ code: 'ERR_RATE_LIMITED' });
  });

  it('keeps a bucket per operation when asked', async () => {
    const { auth } = setup({ rateLimit: { limit: 1, windowMs: 60_000, per: ['operation'] } });
    await auth.authenticate(request(SECRET_TOKEN, call('whoami')));
    await expect(auth.authenticate(request(SECRET_TOKEN, call('whoami')))).rejects.toMatchObject({ code: 'ERR_RATE_LIMITED' });
    await expect(auth.authenticate(request(SECRET_TOKEN, call('remember')))).resolves.toBeDefined();
  });

  it('charges a batch once per message, and refuses one larger than the limit (400)', async () => {
    const { auth } = setup({ rateLimit: { limit: 3, windowMs: 60_000 } });
    await auth.authenticate(request(SECRET_TOKEN, [call('whoami', 1), call('whoami', 2)]));
    await expect(auth.authenticate(request(SECRET_TOKEN, [call('whoami', 3), call('whoami', 4)]))).rejects.toMatchObject({ code: 'ERR_RATE_LIMITED' });
    await auth.authenticate(request(SECRET_TOKEN, call('whoami', 5)));
    const tooBig = await auth.authenticate(request('tok-bob', [1, 2, 3, 4].map((id) => call('whoami', id)))).catch((e: unknown) => e);
    expect(auth.errorResponse(tooBig)).toMatchObject({ status: 400, body: { error: { code: -32600 } } });
  });

  it('fails closed (503) when the store is down, and refuses a store without compare-and-set', async () => {
    const broken = { ...memoryStore(), setIfEquals: () => Promise.reject(new Error('down')), get: async () => 5 } as unknown as Store;
    const { auth } = setup({ store: broken, rateLimit: { limit: 1, windowMs: 1 } });
    const error = await auth.authenticate(request(SECRET_TOKEN)).catch((e: unknown) => e);
    expect(auth.errorResponse(error).status).toBe(503);
    const { setIfEquals: _none, ...plain } = memoryStore();
    expect(() => setup({ store: plain as Store, rateLimit: { limit: 1, windowMs: 1000 } })).toThrow(/setIfEquals/);
  });
});

describe('jsonLinesAuditLog', () => {
  it('appends to a file created 0600, and refuses a path it cannot write at once', async () => {
    const { mkdtempSync, readFileSync, statSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'mcpgate-audit-'));
    const file = join(dir, 'audit.jsonl');
    const log = jsonLinesAuditLog(file);
    log.onEvent({ type: 'session.unbound', time: '2026-01-01T00:00:00.000Z' });
    await log.close();
    expect(readFileSync(file, 'utf8')).toBe('{"type":"session.unbound","time":"2026-01-01T00:00:00.000Z"}\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(() => jsonLinesAuditLog(join(dir, 'missing-dir', 'audit.jsonl'))).toThrow(/ENOENT/);
  });
});
