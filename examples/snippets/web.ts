// Quoted in packages/web/README.md. The region is the README's code block, character for character:
// test/docs.test.ts type-checks this file and fails when the two differ. Edit both together.

// #region web-hono
import { createMcpAuth, principalOf } from '@mcpgate/core';
import { jwtValidator } from '@mcpgate/jwt-validator';
import { authorizationServerMetadataMirror, protectedResourceMetadata, withMcpAuth } from '@mcpgate/web';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { Hono } from 'hono';

const auth = createMcpAuth({
  resource: 'https://mcp.example.com/mcp',
  authorizationServers: ['https://login.example.com'],
  validator: jwtValidator({ issuer: 'https://login.example.com' }),
  requiredScopes: ['mcp:tools'],
  toolScopes: { admin_whoami: ['mcp:admin'] },
});

const handler = createMcpHandler(() => {
  const server = new McpServer({ name: 'my-server', version: '1.0.0' });
  server.registerTool('whoami', { description: 'Who am I?' }, async (ctx) => ({
    content: [{ type: 'text', text: principalOf(ctx).subject }], // SDK 2.x ctx: the caller's principal
  }));
  return server;
});

const metadata = protectedResourceMetadata(auth);
const mirror = authorizationServerMetadataMirror(auth); // only for 2025-03-26 clients
const mcp = withMcpAuth(auth, (request, { authInfo, parsedBody }) => handler.fetch(request, { authInfo, parsedBody }));

const app = new Hono();
app.all('/.well-known/*', async (c) => metadata(c.req.raw) ?? (await mirror(c.req.raw)) ?? c.notFound());
app.all('/mcp', (c) => mcp(c.req.raw));
export default app; // Bun, Deno, Workers; on Node: serve({ fetch: app.fetch }) from @hono/node-server
// #endregion web-hono

// #region web-workers
export const worker = {
  async fetch(request: Request): Promise<Response> {
    return metadata(request) ?? (new URL(request.url).pathname === '/mcp' ? mcp(request) : new Response('Not Found', { status: 404 }));
  },
};
// #endregion web-workers
