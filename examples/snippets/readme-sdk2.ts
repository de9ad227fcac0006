// Quoted in README.md ("## SDK 2.x, the 2026-07-28 protocol and Web-standard runtimes"). The regions are the
// README's code blocks, character for character: test/docs.test.ts type-checks this file and fails when they differ.
import { createMcpAuth } from '@mcpgate/core';
import { jwtValidator } from '@mcpgate/jwt-validator';

const auth = createMcpAuth({
  resource: 'https://mcp.example.com/mcp',
  authorizationServers: ['https://login.example.com'],
  validator: jwtValidator({ issuer: 'https://login.example.com' }),
  requiredScopes: ['mcp:tools'],
  encryptionKey: process.env.MCP_AUTH_ENCRYPTION_KEY!,
});

// #region sdk2-express
import express from 'express';
import { principalOf } from '@mcpgate/core';
import { protectedResourceMetadata, requireMcpAuth } from '@mcpgate/express-adapter';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';

const handler = toNodeHandler(
  createMcpHandler(() => {
    const server = new McpServer({ name: 'my-server', version: '1.0.0' });
    server.registerTool('whoami', { description: 'Who am I?' }, async (ctx) => ({
      content: [{ type: 'text', text: principalOf(ctx).subject }], // ctx.http.authInfo, set from req.auth
    }));
    return server;
  }),
);

const app = express();
app.use(protectedResourceMetadata(auth));
app.all('/mcp', requireMcpAuth(auth), (req, res) => void handler(req, res, req.body)); // req.body: checked by mcpgate
// #endregion sdk2-express

// #region state-codec
import { createStateCodec } from '@mcpgate/core';
import { inputRequired } from '@modelcontextprotocol/server';

const states = createStateCodec({ sealer: auth.sealer! }); // AES-256-GCM on the key ring; default lifetime 10 minutes

const confirming = new McpServer(
  { name: 'my-server', version: '1.0.0' },
  // the state comes back from the client: it opens only for the same user, for tools/call, before it expires
  { requestState: { verify: (state, ctx) => states.open(state, principalOf(ctx), { purpose: 'tools/call' }) } },
);
confirming.registerTool('deploy', { description: 'Deploys, once you confirm' }, async (ctx) => {
  if (ctx.mcpReq.requestState() === undefined) {
    return inputRequired({
      inputRequests: { ok: inputRequired.elicit({ message: 'Deploy?', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } } }) },
      requestState: states.seal({ step: 'confirm' }, principalOf(ctx), { purpose: 'tools/call' }),
    });
  }
  return { content: [{ type: 'text', text: 'deployed' }] };
});
// #endregion state-codec
