/**
 * The minimal MCP server on SDK 1.x, without authentication, as its own process: `McpServer` with one
 * trivial tool (`whoami`) behind `StreamableHTTPServerTransport` in stateful mode (one transport + server
 * per session, `Mcp-Session-Id`), on a bare `http.createServer` with no framework and no body parser
 * (the transport reads the body itself). Same session mode as example 1, so the same client workload
 * (open a session once, then `tools/call` on it) runs against both. PORT / HOST from the environment.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

const host = process.env['HOST'] ?? '127.0.0.1';
const port = Number(process.env['PORT'] ?? 3000);
const transports = new Map<string, StreamableHTTPServerTransport>();

function mcpServer(): McpServer {
  const server = new McpServer({ name: 'minimal-sdk1', version: '0.0.0' });
  server.registerTool('whoami', { description: 'A trivial tool' }, async () => ({
    content: [{ type: 'text', text: JSON.stringify({ subject: null, clientId: null, scopes: [] }) }],
  }));
  return server;
}

const server = createServer((req, res) => {
  if (new URL(req.url ?? '/', 'http://x').pathname !== '/mcp') {
    res.writeHead(404).end();
    return;
  }
  const sessionId = req.headers['mcp-session-id'];
  if (typeof sessionId === 'string') {
    const transport = transports.get(sessionId);
    if (transport === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }));
      return;
    }
    void transport.handleRequest(req, res);
    return;
  }
  if (req.method !== 'POST') {
    res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'Mcp-Session-Id header is required' }, id: null }));
    return;
  }
  // no session id: a new session (the transport itself answers 400 to anything but initialize)
  const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    onsessioninitialized: (id) => void transports.set(id, transport),
  });
  transport.onclose = () => {
    if (transport.sessionId !== undefined) transports.delete(transport.sessionId);
  };
  void (async () => {
    await mcpServer().connect(transport);
    await transport.handleRequest(req, res);
    if (transport.sessionId === undefined) await transport.close();
  })();
});
server.listen(port, host, () => console.log(`minimal SDK 1.x server (no auth) listening on http://${host}:${(server.address() as AddressInfo).port}/mcp`));

const shutdown = async (): Promise<void> => {
  await Promise.all([...transports.values()].map((t) => t.close()));
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
