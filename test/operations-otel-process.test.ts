/**
 * OpenTelemetry in the example PROCESS (`examples/mcp-server/dist/main.js`, what `npm start` runs): with
 * OTEL_EXPORTER_OTLP_ENDPOINT pointing at a tiny OTLP/HTTP receiver in this test, the process exports traces
 * and metrics; after a few requests and SIGTERM (which flushes), the receiver holds a `mcpgate.authenticate`
 * span per decision (a child of the HTTP server span of its request) with `mcpgate.outcome` and `enduser.id`,
 * the `mcpgate.auth.decisions` metric and the example's live-sessions gauge; and no token bytes in anything it
 * received. Without the variables, no part of the OpenTelemetry SDK is even loaded.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDevAuthorizationServer, type DevAuthorizationServer } from '@mcpgate/example-dev-authorization-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forger } from './helpers/forge.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './helpers/otlp-receiver.js';
import { freePort, startExampleProcess, type ExampleProcess } from './helpers/process.js';
import { callWhoami, initialize, openSession, post, tokenFor } from './helpers/stack.js';

const MODULE_LOG_HOOK = fileURLToPath(new URL('./helpers/module-log-hook.mjs', import.meta.url));
const SPAN_KIND_SERVER = 2;

/** Env that makes the child record every @opentelemetry module it loads into `file`. */
const moduleLog = (file: string) => ({ NODE_OPTIONS: `--import=${MODULE_LOG_HOOK}`, MCPGATE_MODULE_LOG: file });
const loaded = (file: string) => readFile(file, 'utf8').catch(() => '');

describe('examples/mcp-server as a process with OTEL_EXPORTER_OTLP_ENDPOINT (http/json)', () => {
  let as: DevAuthorizationServer;
  let receiver: OtlpReceiver;
  let proc: ExampleProcess | undefined;
  let resource: string;
  let modules: string;
  const secrets: string[] = [];
  let exitCode: number | null = null;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const port = await freePort();
    resource = `http://127.0.0.1:${port}/mcp`;
    as = await startDevAuthorizationServer({ resource });
    modules = join(await mkdtemp(join(tmpdir(), 'mcpgate-otel-')), 'modules.log');
    proc = await startExampleProcess(
      {
        MCP_AUTH_ISSUER: as.issuer,
        MCP_AUTH_STORE: 'memory',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        // export metrics every second too, so the live-sessions gauge is seen while the session is open
        OTEL_METRIC_EXPORT_INTERVAL: '1000',
        ...moduleLog(modules),
      },
      { port },
    );

    const alice = await tokenFor(as, resource, 'alice');
    secrets.push(alice.access_token, ...(alice.refresh_token !== undefined ? [alice.refresh_token] : []));
    const sessionId = await openSession(proc.mcpUrl, alice.access_token);
    const inSession = { authorization: `Bearer ${alice.access_token}`, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' };
    expect((await post(proc.mcpUrl, callWhoami(3), inSession)).status).toBe(200);
    expect((await post(proc.mcpUrl, { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'admin_whoami', arguments: {} } }, inSession)).status).toBe(403);
    const expired = await (await forger(as, resource)).expired();
    secrets.push(expired);
    expect((await post(proc.mcpUrl, initialize, { authorization: `Bearer ${expired}` })).status).toBe(401);
    // a token in the query string is refused, and must not reach a span through the HTTP instrumentation either
    expect((await post(`${proc.mcpUrl}?access_token=${alice.access_token}`, initialize, { authorization: `Bearer ${alice.access_token}` })).status).toBe(400);
    // one metric export while the session is live
    const deadline = Date.now() + 5_000;
    while (!receiver.posts.some((p) => p.path === '/v1/metrics') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1_200));

    await proc.stop(); // SIGTERM: the example flushes the SDK before it exits
    exitCode = proc.child.exitCode;
  });
  afterAll(async () => {
    await proc?.stop();
    await as?.close();
    await receiver?.close();
  });

  const decisions = (): ReceivedSpan[] => receiver.spans().filter((s) => s.name === 'mcpgate.authenticate');

  it('says so at startup, and exits 0 after flushing on SIGTERM', () => {
    expect(proc!.output()).toContain(`OpenTelemetry: on (service mcpgate-example; traces: otlp (http/json); metrics: otlp (http/json); endpoint ${receiver.url}/)`);
    expect(exitCode).toBe(0);
  });

  it('loaded the OpenTelemetry Node SDK, its OTLP/HTTP JSON exporters and the HTTP instrumentation', async () => {
    const log = await loaded(modules);
    expect(log).toMatch(/\/@opentelemetry\/sdk-node\//);
    expect(log).toMatch(/\/@opentelemetry\/exporter-trace-otlp-http\//);
    expect(log).toMatch(/\/@opentelemetry\/exporter-metrics-otlp-http\//);
    expect(log).toMatch(/\/@opentelemetry\/instrumentation-http\//);
  });

  it('posted JSON to /v1/traces and /v1/metrics', () => {
    const paths = new Set(receiver.posts.map((p) => `${p.path} ${p.contentType}`));
    expect(paths).toContain('/v1/traces application/json');
    expect(paths).toContain('/v1/metrics application/json');
    for (const span of receiver.spans()) expect(span.resource['service.name']).toBe('mcpgate-example');
  });

  it('a mcpgate.authenticate span per decision, with mcpgate.outcome; enduser.id, the client and the tool when known', () => {
    const spans = decisions();
    const outcomes = spans.map((s) => s.attributes['mcpgate.outcome']);
    expect(outcomes).toEqual(expect.arrayContaining(['ok', 'insufficient_scope', 'invalid_token:expired', 'invalid_request']));
    for (const span of spans) {
      expect(span.scope).toBe('mcpgate');
      expect(typeof span.attributes['mcpgate.outcome']).toBe('string');
    }
    const whoami = spans.find((s) => s.attributes['gen_ai.tool.name'] === 'whoami');
    expect(whoami?.attributes).toMatchObject({
      'mcpgate.outcome': 'ok',
      'enduser.id': 'alice',
      'mcpgate.issuer': as.issuer,
      'mcp.method.name': 'tools/call',
      'jsonrpc.request.id': '3',
      'http.request.method': 'POST',
    });
    expect(typeof whoami?.attributes['mcpgate.client_id']).toBe('string');
    expect(spans.find((s) => s.attributes['gen_ai.tool.name'] === 'admin_whoami')?.attributes).toMatchObject({ 'mcpgate.outcome': 'insufficient_scope', 'enduser.id': 'alice' });
    expect(spans.find((s) => s.attributes['mcpgate.outcome'] === 'invalid_token:expired')?.attributes['enduser.id']).toBeUndefined();
  });

  it('each decision span is a child of the HTTP server span of its request (instrumentation-http)', () => {
    const all = receiver.spans();
    const spans = decisions();
    expect(spans.length).toBeGreaterThanOrEqual(5);
    for (const span of spans) {
      const parent = all.find((s) => s.spanId === span.parentSpanId && s.traceId === span.traceId);
      expect(parent, `parent of the ${String(span.attributes['mcpgate.outcome'])} decision`).toBeDefined();
      expect(parent).toMatchObject({ kind: SPAN_KIND_SERVER, name: 'POST', scope: '@opentelemetry/instrumentation-http' });
      expect(parent?.attributes['url.path']).toBe('/mcp');
    }
  });

  it('the metrics: decisions by outcome, decision latency, token cache lookups, the live-sessions gauge', () => {
    const metrics = receiver.metrics();
    const byName = (name: string) => metrics.filter((m) => m.name === name);
    const counted = byName('mcpgate.auth.decisions');
    expect(counted.length).toBeGreaterThan(0);
    expect(counted[0]).toMatchObject({ kind: 'sum', unit: '{decision}', scope: 'mcpgate' });
    // cumulative sums: the last export has every outcome
    const last = counted.at(-1)!;
    const total = (outcome: string) => last.points.filter((p) => p.attributes['mcpgate.outcome'] === outcome).reduce((n, p) => n + p.value, 0);
    expect(total('ok')).toBeGreaterThanOrEqual(3); // initialize, notifications/initialized, whoami
    expect(total('insufficient_scope')).toBe(1);
    expect(total('invalid_token:expired')).toBe(1);
    expect(byName('mcpgate.auth.decision.duration')[0]).toMatchObject({ kind: 'histogram', unit: 's' });
    const lookups = byName('mcpgate.token_cache.lookups').at(-1)!;
    const cache = (result: string) => lookups.points.find((p) => p.attributes['mcpgate.cache.result'] === result)?.value ?? 0;
    expect(cache('miss')).toBeGreaterThanOrEqual(2); // alice's token once, the expired one
    expect(cache('hit')).toBeGreaterThanOrEqual(3); // alice's token on every later request
    expect(byName('mcpgate.sessions.active').at(-1)?.points[0]?.value).toBe(1);
    expect(byName('mcpgate.store.operation.duration').at(-1)?.points.some((p) => p.attributes['mcpgate.store.kind'] === 'memory')).toBe(true);
    const live = byName('mcpgate.example.sessions.live');
    expect(live[0]).toMatchObject({ kind: 'gauge', unit: '{session}', scope: 'mcpgate-example' });
    expect(Math.max(...live.flatMap((m) => m.points.map((p) => p.value)))).toBe(1);
  });

  it('no token bytes in anything received: not the tokens, not their signatures (a token in the query string is redacted)', () => {
    const bytes = receiver.allBytes();
    expect(bytes.length).toBeGreaterThan(1000);
    for (const secret of secrets) {
      expect(bytes).not.toContain(secret);
      const signature = secret.split('.')[2];
      if (signature !== undefined && signature.length > 8) expect(bytes).not.toContain(signature);
    }
    const queried = receiver.spans().find((s) => s.kind === SPAN_KIND_SERVER && typeof s.attributes['url.query'] === 'string');
    expect(queried?.attributes['url.query']).toBe('access_token=REDACTED');
  });
});

describe('examples/mcp-server as a process with OTEL_EXPORTER_OTLP_ENDPOINT only (http/protobuf, the default)', () => {
  let as: DevAuthorizationServer;
  let receiver: OtlpReceiver;
  let token: string;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const port = await freePort();
    const resource = `http://127.0.0.1:${port}/mcp`;
    as = await startDevAuthorizationServer({ resource });
    const proc = await startExampleProcess({ MCP_AUTH_ISSUER: as.issuer, MCP_AUTH_STORE: 'memory', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'mcp-edge' }, { port });
    try {
      expect(proc.output()).toContain('OpenTelemetry: on (service mcp-edge; traces: otlp (http/protobuf); metrics: otlp (http/protobuf)');
      token = (await tokenFor(as, resource, 'alice')).access_token;
      expect((await post(proc.mcpUrl, initialize, { authorization: `Bearer ${token}` })).status).toBe(200);
    } finally {
      await proc.stop();
    }
  });
  afterAll(async () => {
    await as?.close();
    await receiver?.close();
  });

  it('exports protobuf to /v1/traces and /v1/metrics: the span and metric names are in it, the token is not', () => {
    const traces = receiver.posts.filter((p) => p.path === '/v1/traces');
    const metrics = receiver.posts.filter((p) => p.path === '/v1/metrics');
    expect(traces.length).toBeGreaterThan(0);
    expect(metrics.length).toBeGreaterThan(0);
    for (const p of [...traces, ...metrics]) expect(p.contentType).toBe('application/x-protobuf');
    const bytes = receiver.allBytes();
    expect(bytes).toContain('mcpgate.authenticate');
    expect(bytes).toContain('mcp-edge');
    expect(bytes).toContain('mcpgate.auth.decisions');
    expect(bytes).not.toContain(token);
    expect(bytes).not.toContain(token.split('.')[2]);
  });
});

describe('examples/mcp-server as a process without the OpenTelemetry variables', () => {
  let as: DevAuthorizationServer;
  beforeAll(async () => {
    as = await startDevAuthorizationServer({ resource: 'http://127.0.0.1:1/mcp' });
  });
  afterAll(async () => {
    await as?.close();
  });

  it('loads no part of the OpenTelemetry SDK (only @opentelemetry/api, a no-op) and says telemetry is off', async () => {
    const modules = join(await mkdtemp(join(tmpdir(), 'mcpgate-otel-')), 'modules.log');
    const proc = await startExampleProcess({ MCP_AUTH_ISSUER: as.issuer, MCP_AUTH_STORE: 'memory', ...moduleLog(modules) });
    try {
      expect(proc.output()).toContain('OpenTelemetry: off (set OTEL_EXPORTER_OTLP_ENDPOINT to export traces and metrics over OTLP/HTTP)');
      expect((await post(proc.mcpUrl, initialize)).status).toBe(401);
    } finally {
      await proc.stop();
    }
    const log = await loaded(modules);
    expect(log).toMatch(/\/@opentelemetry\/api\//); // the hook works: core's API was seen
    const packages = new Set([...log.matchAll(/\/node_modules\/@opentelemetry\/([^/]+)\//g)].map((m) => m[1]));
    expect([...packages]).toEqual(['api']);
  });

  it.each([
    ['OTEL_EXPORTER_OTLP_PROTOCOL', { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, /OTEL_EXPORTER_OTLP_PROTOCOL must be "http\/protobuf" \(the default\) or "http\/json", got "grpc": the example exports over OTLP\/HTTP only/],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, /OTEL_EXPORTER_OTLP_ENDPOINT must be an http\(s\) URL such as http:\/\/127.0.0.1:4318, got "collector:4318"/],
  ])('a bad %s: exit code 2, naming the variable', async (_name, env, message) => {
    const error = await startExampleProcess({ MCP_AUTH_ISSUER: as.issuer, MCP_AUTH_STORE: 'memory', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', ...env }).then(
      async (p) => {
        await p.stop();
        return new Error('started');
      },
      (e: unknown) => e as Error,
    );
    expect(error.message).toMatch(/exited with 2/);
    expect(error.message).toMatch(message);
  });
});
