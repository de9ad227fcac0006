/**
 * The minimal MCP server on SDK 2.x, without authentication, as its own process:
 * `toNodeHandler(createMcpHandler(() => McpServer with one trivial tool))` on a bare `http.createServer`
 * (the SDK 2.x serving entry: per request, no sessions; 2026-07-28 requests are served by a fresh
 * instance per request, 2025-era ones by the stateless legacy fallback). PORT / HOST from the environment.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';

const host = process.env['HOST'] ?? '127.0.0.1';
const port = Number(process.env['PORT'] ?? 3000);

const handler = toNodeHandler(
  createMcpHandler(() => {
    const server = new McpServer({ name: 'minimal-sdk2', version: '0.0.0' });
    server.registerTool('whoami', { description: 'A trivial tool' }, async () => ({
      content: [{ type: 'text', text: JSON.stringify({ subject: null, clientId: null, scopes: [] }) }],
    }));
    return server;
  }),
);

const server = createServer((req, res) => {
  if (new URL(req.url ?? '/', 'http://x').pathname !== '/mcp') {
    res.writeHead(404).end();
    return;
  }
  void handler(req, res);
});
server.listen(port, host, () => console.log(`minimal SDK 2.x server (no auth) listening on http://${host}:${(server.address() as AddressInfo).port}/mcp`));

const shutdown = (): void => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
