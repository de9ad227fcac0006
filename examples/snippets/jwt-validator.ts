// Quoted in packages/jwt-validator/README.md. The region is the README's code block, character for
// character: test/docs.test.ts type-checks this file and fails when the two differ. Edit both together.
import type { RequestHandler } from 'express';

// Not shown in the README: the MCP handler behind the middleware (e.g. the SDK transport, see
// examples/snippets/express-adapter.ts).
declare const mcpHandler: RequestHandler;

// #region jwt-validator
import express from 'express';
import { createMcpAuth } from '@mcpgate/core';
import { protectedResourceMetadata, requireMcpAuth } from '@mcpgate/express-adapter';
import { jwtValidator } from '@mcpgate/jwt-validator';

const auth = createMcpAuth({
  resource: 'https://mcp.example.com/mcp',
  authorizationServers: ['https://login.example.com'],
  validator: jwtValidator({
    issuer: 'https://login.example.com',
    requireJwtAccessTokenType: true, // only if your AS issues `typ: at+jwt` tokens
  }),
  requiredScopes: ['mcp:tools'],
});

const app = express();
app.use(protectedResourceMetadata(auth));
app.all('/mcp', requireMcpAuth(auth), mcpHandler);
// #endregion jwt-validator
