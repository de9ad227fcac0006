// Quoted in packages/core/README.md. The region is the README's code block, character for character:
// test/docs.test.ts type-checks this file and fails when the two differ. Edit both together.

// #region core
import { createMcpAuth, memoryStore, principalOf } from '@mcpgate/core';
import { jwtValidator } from '@mcpgate/jwt-validator';

const auth = createMcpAuth({
  resource: 'https://mcp.example.com/mcp',
  authorizationServers: ['https://login.example.com'],
  validator: jwtValidator({ issuer: 'https://login.example.com' }),
  store: memoryStore(),
  requiredScopes: ['mcp:tools'],
  toolScopes: { delete_page: ['mcp:admin'] },
  scopeImplies: { 'mcp:admin': ['mcp:tools'] },
});

// framework-neutral use (the Express adapter does exactly this):
try {
  const { principal, authInfo } = await auth.authenticate({
    method: 'POST',
    authorization: ['Bearer eyJ…'],          // every Authorization header value
    sessionId: 'f3c…',                       // Mcp-Session-Id, if any
    body: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'delete_page' } },
  });
} catch (error) {
  const { status, headers, body } = auth.errorResponse(error); // 400/401/403/404/503 with the right challenge
}
// #endregion core
