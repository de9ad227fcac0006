/**
 * Red team 2: ScopePolicy (packages/core/src/scopes.ts, constructor) treats every resourceScopes key that
 * contains '{' as an RFC 6570 template and then matches it only as a template (plus raw equality with the
 * key). But the SDKs decide by what was registered: `registerResource(name, 'string', ...)` is a fixed
 * resource, served when `new URL(uri).toString()` equals the string (exact lookup, before templates). A
 * fixed URI whose query (or opaque path) carries braces, e.g. `https://example.com/reports?range={2024/Q1}`,
 * is kept by URL normalisation, so the SDK serves it for any spelling that normalises to it
 * (`HTTPS://EXAMPLE.com:443/...`), while the key read as a template (`?range=` then `{2024/Q1}`: a run
 * without '/') matches neither spelling: the resource is read without its scopes.
 *
 * Fix: for every key, also compare the normalised URI with the normalised key (exact), whether or not the
 * key looks like a template; templates are matched in addition.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpAuth } from '@mcpgate/core';
import { requireMcpAuth } from '@mcpgate/express-adapter';
import { withMcpAuth } from '@mcpgate/web';
import { McpServer as McpServer1 } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpHandler, McpServer as McpServer2 } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeAuth, fakePrincipal } from './helpers/fake-auth.js';

const RESOURCE = 'http://127.0.0.1/mcp';
const FIXED = 'https://example.com/reports?range={2024/Q1}';
const SPELLING = 'HTTPS://EXAMPLE.com:443/reports?range={2024/Q1}';
const SECRET = 'Q1 2024 board pack: confidential';

function makeAuth(): McpAuth {
  return fakeAuth(RESOURCE, { mallory: fakePrincipal(RESOURCE, 'mallory') }, { resourceScopes: { [FIXED]: ['reports:read'] } });
}

const read = (uri: string) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri } });
const headers = { authorization: 'Bearer mallory', 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' };

describe('red team 2: a fixed resource URI with braces in resourceScopes', () => {
  describe('SDK 1.x McpServer behind requireMcpAuth', () => {
    let server: Server;
    let url: string;
    let auth: McpAuth;
    beforeAll(async () => {
      auth = makeAuth();
      const guard = requireMcpAuth(auth);
      server = createServer((req, res) => {
        guard(req as never, res as never, async () => {
          const mcp = new McpServer1({ name: 'reports', version: '1' });
          mcp.registerResource('q1', FIXED, { description: 'needs reports:read' }, async (uri) => ({ contents: [{ uri: uri.href, text: SECRET }] }));
          const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
          await mcp.connect(transport);
          await transport.handleRequest(req as never, res as never, (req as unknown as { body: unknown }).body);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
    });
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
      await auth.close();
    });

    it('the URI exactly as registered is refused 403 (holds)', async () => {
      const res = await fetch(url, { method: 'POST', headers, body: read(FIXED) });
      expect(res.status).toBe(403);
    });

    it('another spelling of the same URI (the SDK normalises it to the registered one) needs reports:read', async () => {
      const res = await fetch(url, { method: 'POST', headers, body: read(SPELLING) });
      const text = await res.text();
      // today: 200 and the protected contents
      expect(text).not.toContain(SECRET);
      expect(res.status).toBe(403);
    });
  });

  it('SDK 2.x createMcpHandler behind withMcpAuth: another spelling needs reports:read', async () => {
    const auth = makeAuth();
    const handler = createMcpHandler(() => {
      const mcp = new McpServer2({ name: 'reports', version: '1' });
      mcp.registerResource('q1', FIXED, { description: 'needs reports:read' }, async (uri: URL) => ({ contents: [{ uri: uri.href, text: SECRET }] }));
      return mcp;
    });
    const mcp = withMcpAuth(auth, (request, { authInfo, parsedBody }) => handler.fetch(request, { authInfo, parsedBody }));
    const res = await mcp(new Request(RESOURCE, { method: 'POST', headers, body: read(SPELLING) }));
    const text = await res.text();
    await handler.close();
    await auth.close();
    expect(text).not.toContain(SECRET);
    expect(res.status).toBe(403);
  });
});
