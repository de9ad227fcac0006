/**
 * Red team: the per-principal rate limit (createMcpAuth({ rateLimit }), MCP_AUTH_RATE_LIMIT in the examples).
 *
 * 1. One HTTP request is charged once, but a JSON-RPC batch runs every call in it (SDK 1.x transport, the
 *    example server): `limit` requests become `limit` x (batch size) tool executions.
 * 2. With per: ['operation'], the bucket of a resource is keyed by params.uri as sent, while the SDK reads the
 *    URL-normalised URI: every spelling of one resource has a fresh bucket.
 * 3. Buckets (and every other record) live in the bounded memory store (100,000 entries, least recently
 *    written evicted): with per: ['operation'], one batch of distinct names writes one entry per name, so
 *    three requests evict everything else: a DPoP proof's replay marker (the proof is accepted again) and
 *    other users' session bindings. (Fixed: a batch is charged per message, so it cannot exceed the limit,
 *    and the memory store bounds each kind of record separately: a full kind refuses new keys, and only rate
 *    buckets evict their own oldest.)
 *
 * Every test passes only when the hole is closed.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { memoryStore, type McpAuth, type Store } from '@mcpgate/core';
import { requireMcpAuth } from '@mcpgate/express-adapter';
import { createExampleApp } from '@mcpgate/example-mcp-server';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeAuth, fakePrincipal, quietLogger } from './helpers/fake-auth.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function listen(listener: RequestListener): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
}

const mcpHeaders = (token: string): Record<string, string> => ({
  authorization: `Bearer ${token}`,
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-06-18',
});

/** The JSON-RPC results in a JSON or SSE answer. */
function results(text: string): unknown[] {
  const payloads = text.startsWith('[') || text.startsWith('{') ? [text] : text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
  return payloads.flatMap((p) => {
    const v = JSON.parse(p) as unknown;
    return (Array.isArray(v) ? v : [v]).filter((m) => typeof m === 'object' && m !== null && 'result' in m);
  });
}

describe('red team: rate limits', () => {
  it('the example (MCP_AUTH_RATE_LIMIT=3/60s): one batch request does not run more tool calls than the limit', async () => {
    const resource = 'http://127.0.0.1/mcp';
    const auth = fakeAuth(resource, { mallory: fakePrincipal(resource, 'mallory') }, { rateLimit: { limit: 3, windowMs: 60_000 } });
    const app = createExampleApp({ auth, mode: 'stateless' });
    const url = await listen(app.listener);
    const batch = Array.from({ length: 50 }, (_, i) => ({ jsonrpc: '2.0', id: i + 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }));
    const res = await fetch(url, { method: 'POST', headers: mcpHeaders('mallory'), body: JSON.stringify(batch) });
    const ran = res.status === 200 ? results(await res.text()).length : 0;
    await app.close();
    await auth.close();
    // today: 200 with 50 whoami results, charged as one request of the 3 allowed
    expect(ran).toBeLessThanOrEqual(3);
  });

  it("per: ['operation']: spellings of one resource URI share its bucket (the SDK reads them all as one resource)", async () => {
    const resource = 'http://127.0.0.1/mcp';
    const auth = fakeAuth(resource, { mallory: fakePrincipal(resource, 'mallory') }, { rateLimit: { limit: 1, windowMs: 60_000, per: ['operation'] } });
    let reads = 0;
    const guard = requireMcpAuth(auth);
    const url = await listen((req, res) => {
      guard(req as never, res as never, async () => {
        const server = new McpServer({ name: 'r', version: '1' });
        server.registerResource('report', 'file:///reports/q1', { description: 'expensive' }, async (uri) => {
          reads++;
          return { contents: [{ uri: uri.href, text: 'q1' }] };
        });
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
        await server.connect(transport);
        await transport.handleRequest(req as never, res as never, (req as unknown as { body: unknown }).body);
      });
    });
    const spellings = ['file:///reports/q1', 'file:///reports/./q1', 'file:///x/../reports/q1', 'FILE:///reports/q1', 'file://localhost/reports/q1'];
    for (const uri of spellings) {
      await fetch(url, { method: 'POST', headers: mcpHeaders('mallory'), body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri } }) });
    }
    await auth.close();
    // today: 5 reads of the one resource with a limit of 1
    expect(reads).toBeLessThanOrEqual(1);
  });

  describe("per: ['operation'] on the default memory store: buckets written by one user evict everyone's records", () => {
    const RESOURCE = 'https://mcp.example.com/mcp';
    let key: { privateKey: CryptoKey; jwk: JWK; jkt: string };
    const ath = (token: string) => createHash('sha256').update(token).digest('base64url');
    const proof = (token: string) =>
      new SignJWT({ jti: randomUUID(), htm: 'POST', htu: RESOURCE, iat: Math.floor(Date.now() / 1000), ath: ath(token) })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk })
        .sign(key.privateKey);

    function setup(store: Store): McpAuth {
      return fakeAuth(
        RESOURCE,
        { 'alice-bound': fakePrincipal(RESOURCE, 'alice', { jkt: key.jkt }), alice: fakePrincipal(RESOURCE, 'alice'), mallory: fakePrincipal(RESOURCE, 'mallory') },
        { store, rateLimit: { limit: 100, windowMs: 60_000, per: ['operation'] } },
      );
    }

    it("mallory's batches do not let a captured DPoP proof be replayed, nor drop alice's session binding", async () => {
      const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
      const jwk = await exportJWK(publicKey);
      key = { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
      const store = memoryStore({ logger: quietLogger }); // the default store, default size (100,000 entries)
      const auth = setup(store);
      const ping = { jsonrpc: '2.0', id: 1, method: 'ping' };

      // alice: a session bound to her, and a DPoP request whose proof an attacker later captures (a log, a proxy)
      await auth.bindSession('alice-session', fakePrincipal(RESOURCE, 'alice'));
      const captured = await proof('alice-bound');
      const first = await auth.authenticate({ method: 'POST', authorization: ['DPoP alice-bound'], dpop: [captured], body: ping });
      expect(first.principal.subject).toBe('alice');
      await expect(auth.authenticate({ method: 'POST', authorization: ['DPoP alice-bound'], dpop: [captured], body: ping })).rejects.toThrow(/used before/);

      // mallory: one batch of 40,000 distinct names is refused outright (larger than the limit)...
      const huge = Array.from({ length: 40_000 }, (_, i) => ({ jsonrpc: '2.0', method: 'tools/call', params: { name: `h-${i}` } }));
      await expect(auth.authenticate({ method: 'POST', authorization: ['Bearer mallory'], body: huge })).rejects.toMatchObject({ jsonRpcCode: -32600 });
      // ...so she sends 1,100 allowed batches of 100 distinct names: 110,000 fresh buckets, past the store's 100,000
      for (let round = 0; round < 1_100; round++) {
        const batch = Array.from({ length: 100 }, (_, i) => ({ jsonrpc: '2.0', method: 'tools/call', params: { name: `r${round}-${i}` } }));
        // rate buckets make room among themselves (the oldest go); no other kind of record is touched
        await auth.authenticate({ method: 'POST', authorization: ['Bearer mallory'], body: batch });
      }

      // the captured proof (still within its 300 s window) must stay refused...
      await expect(auth.authenticate({ method: 'POST', authorization: ['DPoP alice-bound'], dpop: [captured], body: ping })).rejects.toThrow(/used before/);
      // ...and alice's session must still be hers (read from the store, as any other instance, or this one after 30 s)
      const elsewhere = setup(store);
      await expect(elsewhere.authenticate({ method: 'POST', authorization: ['Bearer alice'], sessionId: 'alice-session', body: ping })).resolves.toBeDefined();
      await auth.close();
    }, 120_000);
  });
});
