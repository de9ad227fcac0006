/**
 * Red team: resourceScopes by URI template. uriTemplatePattern() turns a query expression into
 * `\?[\s\S]*` (or `&[\s\S]*`), which needs the `?` (`&`) to be there. The SDKs' UriTemplate (1.x and 2.x alike)
 * emit nothing at all for a query expression without variable names (`{?}`, `{&}`, `{?*}`, `{? }`, `{&,}`:
 * getNames() drops empty names, partToRegExp() then returns no pattern), so `file:///reports{?}` is routed
 * for exactly `file:///reports`, which mcpgate does not match: the protected template is read without its
 * scope. Found by differential fuzzing of the SDK's UriTemplate.match against ScopePolicy: every mismatch
 * was of this shape; templates whose expressions name a variable held.
 *
 * Fix: an operator-only query expression matches the empty string too (`(?:\?[\s\S]*)?`), or refuse such
 * templates in resourceScopes at startup.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpAuth } from '@mcpgate/core';
import { requireMcpAuth } from '@mcpgate/express-adapter';
import { withMcpAuth } from '@mcpgate/web';
import { McpServer as McpServer1, ResourceTemplate as ResourceTemplate1 } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpHandler, McpServer as McpServer2, ResourceTemplate as ResourceTemplate2 } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeAuth, fakePrincipal } from './helpers/fake-auth.js';

const RESOURCE = 'http://127.0.0.1/mcp';
const TEMPLATE = 'file:///reports{?}';
const SECRET = 'Q3 revenue: confidential';

function makeAuth(): McpAuth {
  return fakeAuth(RESOURCE, { mallory: fakePrincipal(RESOURCE, 'mallory') }, { resourceScopes: { [TEMPLATE]: ['reports:read'] } });
}

const read = (uri: string) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri } });
const headers = { authorization: 'Bearer mallory', 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' };

describe('red team: a resource template the SDK routes but resourceScopes does not match', () => {
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
          mcp.registerResource('reports', new ResourceTemplate1(TEMPLATE, { list: undefined }), { description: 'needs reports:read' }, async (uri) => ({
            contents: [{ uri: uri.href, text: SECRET }],
          }));
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

    it('a URI with the query present is refused 403 (holds)', async () => {
      const res = await fetch(url, { method: 'POST', headers, body: read('file:///reports?year=2026') });
      expect(res.status).toBe(403);
    });

    it('file:///reports (what the SDK routes to this template) needs reports:read', async () => {
      const res = await fetch(url, { method: 'POST', headers, body: read('file:///reports') });
      const text = await res.text();
      // today: 200 and the protected contents
      expect(text).not.toContain(SECRET);
      expect(res.status).toBe(403);
    });
  });

  describe('SDK 2.x createMcpHandler behind withMcpAuth', () => {
    it('file:///reports needs reports:read', async () => {
      const auth = makeAuth();
      const handler = createMcpHandler(() => {
        const mcp = new McpServer2({ name: 'reports', version: '1' });
        mcp.registerResource('reports', new ResourceTemplate2(TEMPLATE, { list: undefined }), { description: 'needs reports:read' }, async (uri: URL) => ({
          contents: [{ uri: uri.href, text: SECRET }],
        }));
        return mcp;
      });
      const mcp = withMcpAuth(auth, (request, { authInfo, parsedBody }) => handler.fetch(request, { authInfo, parsedBody }));
      const res = await mcp(new Request(`${RESOURCE}`, { method: 'POST', headers, body: read('file:///reports') }));
      const text = await res.text();
      await handler.close();
      await auth.close();
      expect(text).not.toContain(SECRET);
      expect(res.status).toBe(403);
    });
  });
});
