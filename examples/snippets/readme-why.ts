// Quoted in README.md ("## Why"). The region is the README's code block, character for character:
// test/docs.test.ts type-checks this file and fails when the two differ. Edit both together.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

// Not shown in the README: the MCP server and its transport (a complete app: examples/mcp-server/src/app.ts).
declare const server: McpServer;
declare const transport: StreamableHTTPServerTransport;

// #region why
import express from 'express';
import { createMcpAuth, principalOf } from '@mcpgate/core';
import { protectedResourceMetadata, requireMcpAuth } from '@mcpgate/express-adapter';
import { jwtValidator } from '@mcpgate/jwt-validator';
import { sqliteStore } from '@mcpgate/store-sqlite';

const auth = createMcpAuth({
  resource: 'https://mcp.example.com/mcp',                 // canonical URI: the audience every token must carry
  authorizationServers: ['https://login.example.com'],     // RFC 9728 metadata
  validator: jwtValidator({ issuer: 'https://login.example.com' }),
  store: sqliteStore('sqlite://./data/mcpgate.sqlite'),    // or redisStore('redis://…'); default memoryStore()
  encryptionKey: process.env.MCP_AUTH_ENCRYPTION_KEY!,     // required with a persistent store
  requiredScopes: ['mcp:tools'],
  toolScopes: { delete_page: ['mcp:admin'] },              // per-tool step-up (403 insufficient_scope)
});

const app = express();
app.use(protectedResourceMetadata(auth));                  // /.well-known/oauth-protected-resource[/mcp]
app.all('/mcp', requireMcpAuth(auth), (req, res) => transport.handleRequest(req, res, req.body)); // req.body: parsed by mcpgate, after the token

// in a tool handler (@modelcontextprotocol/sdk 1.x):
server.registerTool('whoami', { description: 'who am I' }, async (extra) => {
  const user = principalOf(extra);                         // issuer, subject, clientId, scopes, expiresAt, claims
  return { content: [{ type: 'text', text: user.subject }] };
});
// #endregion why
