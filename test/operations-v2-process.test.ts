/**
 * The operations variables in the SDK 2.x example PROCESS (`examples/mcp-server-v2/dist/main.js`, what
 * `npm run start:v2` runs; same env contract as `npm start`): MCP_AUTH_AUDIT_LOG, MCP_AUTH_RATE_LIMIT and
 * OTEL_EXPORTER_OTLP_ENDPOINT together. The SDK 2.x client calls whoami; the audit file and the OTLP receiver
 * show it, the decision span is a child of the HTTP server span (Hono on @hono/node-server), a user past the
 * limit gets 429, and nothing received or written holds token bytes.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { McpAuthEvent } from '@mcpgate/core';
import { startDevAuthorizationServer, type DevAuthorizationServer } from '@mcpgate/example-dev-authorization-server';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExampleV2Process } from './helpers/example-v2-process.js';
import { startOtlpReceiver, type OtlpReceiver } from './helpers/otlp-receiver.js';
import { freePort, type ExampleProcess } from './helpers/process.js';
import { initialize, post, tokenFor } from './helpers/stack.js';

describe('examples/mcp-server-v2 as a process with MCP_AUTH_AUDIT_LOG, MCP_AUTH_RATE_LIMIT and OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  let as: DevAuthorizationServer;
  let receiver: OtlpReceiver;
  let proc: ExampleProcess | undefined;
  let file: string;
  let banner = '';
  const tokens: string[] = [];
  let limited: Awaited<ReturnType<typeof post>>;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const port = await freePort();
    const resource = `http://127.0.0.1:${port}/mcp`;
    as = await startDevAuthorizationServer({ resource });
    file = join(await mkdtemp(join(tmpdir(), 'mcpgate-v2-')), 'audit.jsonl');
    proc = await startExampleV2Process(
      {
        MCP_AUTH_ISSUER: as.issuer,
        MCP_AUTH_STORE: 'memory',
        MCP_AUTH_AUDIT_LOG: file,
        MCP_AUTH_RATE_LIMIT: '10/60s',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      },
      { port },
    );
    banner = proc.output();
    const alice = (await tokenFor(as, resource, 'alice')).access_token;
    const bob = (await tokenFor(as, resource, 'bob')).access_token;
    tokens.push(alice, bob);
    const client = new Client({ name: 'ops-v2', version: '1' }, { versionNegotiation: { mode: 'legacy' } });
    await client.connect(new StreamableHTTPClientTransport(new URL(proc.mcpUrl), { authProvider: { token: async () => alice } }));
    try {
      const result = (await client.callTool({ name: 'whoami', arguments: {} })) as { content: Array<{ text: string }> };
      expect(JSON.parse(result.content[0]?.text ?? '{}')).toMatchObject({ subject: 'alice' });
    } finally {
      await client.close();
    }
    for (let i = 0; i < 10; i++) expect((await post(proc.mcpUrl, initialize, { authorization: `Bearer ${bob}` })).status).toBe(200);
    limited = await post(proc.mcpUrl, initialize, { authorization: `Bearer ${bob}` });
    await proc.stop();
  });
  afterAll(async () => {
    await proc?.stop();
    await as?.close();
    await receiver?.close();
  });

  it('prints which of them are on', () => {
    expect(banner).toContain(`audit log: ${file} (JSON lines, appended)`);
    expect(banner).toContain('rate limit: 10 requests per 60 s per user, then 429 with Retry-After; counted in this process only (memory store)');
    expect(banner).toContain('OpenTelemetry: on (service mcpgate-example; traces: otlp (http/json); metrics: otlp (http/json)');
  });

  it('rate limit: the 11th request of bob is 429 with Retry-After', () => {
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(limited.text)).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 }, id: null });
  });

  it('audit: operation.allowed for alice\'s whoami, rate.limited for bob', async () => {
    const events = (await readFile(file, 'utf8'))
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as McpAuthEvent);
    expect(events).toContainEqual(expect.objectContaining({ type: 'operation.allowed', principal: { issuer: as.issuer, subject: 'alice' }, method: 'tools/call', target: 'whoami' }));
    expect(events.filter((e) => e.type === 'rate.limited')).toEqual([expect.objectContaining({ principal: { issuer: as.issuer, subject: 'bob' }, method: 'initialize' })]);
  });

  it('traces: mcpgate.authenticate spans with outcome and enduser.id, children of the HTTP server spans; the decisions metric', () => {
    const spans = receiver.spans();
    const decisions = spans.filter((s) => s.name === 'mcpgate.authenticate');
    expect(decisions.find((s) => s.attributes['gen_ai.tool.name'] === 'whoami')?.attributes).toMatchObject({ 'mcpgate.outcome': 'ok', 'enduser.id': 'alice' });
    expect(decisions.find((s) => s.attributes['mcpgate.outcome'] === 'rate_limited')?.attributes['enduser.id']).toBe('bob');
    for (const d of decisions) expect(spans.find((s) => s.spanId === d.parentSpanId)).toMatchObject({ kind: 2, scope: '@opentelemetry/instrumentation-http' });
    const outcomes = receiver.metrics().filter((m) => m.name === 'mcpgate.auth.decisions').at(-1)?.points.map((p) => p.attributes['mcpgate.outcome']);
    expect(outcomes).toEqual(expect.arrayContaining(['ok', 'rate_limited']));
  });

  it('no token bytes in the audit file or in anything the receiver got', async () => {
    const written = await readFile(file, 'utf8');
    const received = receiver.allBytes();
    expect(written.split('\n').filter((l) => l !== '').length).toBeGreaterThanOrEqual(2);
    expect(received.length).toBeGreaterThan(1000);
    for (const token of tokens) {
      expect(written).not.toContain(token);
      expect(received).not.toContain(token);
      expect(received).not.toContain(token.split('.')[2]);
    }
  });
});
