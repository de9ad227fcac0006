// Quoted in packages/express-adapter/README.md. The region is the README's code block, character for
// character: test/docs.test.ts type-checks this file and fails when the two differ. Edit both together.
// It follows examples/mcp-server/src/app.ts (stateful mode), without the idle timeout and per-user cap.

// #region express-adapter
import { randomUUID } from 'node:crypto';
import express from 'express';
import { createMcpAuth, principalOf } from '@mcpgate/core';
import { protectedResourceMetadata, requireMcpAuth } from '@mcpgate/express-adapter';
import { jwtValidator } from '@mcpgate/jwt-validator';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';

const auth = createMcpAuth({
  resource: 'http://127.0.0.1:3000/mcp',
  authorizationServers: ['https://login.example.com'],
  validator: jwtValidator({ issuer: 'https://login.example.com' }),
  requiredScopes: ['mcp:tools'],
});

const app = express();
app.use(protectedResourceMetadata(auth));
const transports = new Map<string, StreamableHTTPServerTransport>();
// no express.json() in front: requireMcpAuth reads the body itself, after the token
app.all('/mcp', requireMcpAuth(auth), async (req, res) => {
  const id = req.headers['mcp-session-id'];
  if (typeof id === 'string') {
    const transport = transports.get(id);
    if (!transport) return void res.status(404).json({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
    return transport.handleRequest(req, res, req.body);
  }
  if (req.method !== 'POST' || !isInitializeRequest(req.body)) {     // only an initialize request opens a session
    return void res.status(400).json({ jsonrpc: '2.0', error: { code: -32000, message: 'Bad Request: Mcp-Session-Id header is required' }, id: null });
  }
  const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
    sessionIdGenerator: randomUUID,
    onsessioninitialized: (sid) => { transports.set(sid, transport); },
  });
  transport.onclose = () => {                                        // DELETE or close(): forget the session
    if (transport.sessionId !== undefined) transports.delete(transport.sessionId);
  };
  const server = new McpServer({ name: 'demo', version: '1.0.0' });
  server.registerTool('whoami', { description: 'who am I' }, async (extra) => ({
    content: [{ type: 'text', text: principalOf(extra).subject }],
  }));
  await server.connect(transport);                                   // after onclose: connect() chains it
  await transport.handleRequest(req, res, req.body);   // req.body: parsed by mcpgate; req.auth → extra.authInfo
});
app.listen(3000, '127.0.0.1');
// #endregion express-adapter
