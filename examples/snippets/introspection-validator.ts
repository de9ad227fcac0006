// Quoted in packages/introspection-validator/README.md (first example). The region is the README's code
// block, character for character: test/docs.test.ts type-checks this file and fails when the two differ.
// Edit both together.

// #region introspection-validator
import { createMcpAuth } from '@mcpgate/core';
import { introspectionValidator } from '@mcpgate/introspection-validator';

const auth = createMcpAuth({
  resource: 'https://mcp.example.com/mcp',
  authorizationServers: ['https://login.example.com'],
  validator: introspectionValidator({
    issuer: 'https://login.example.com',
    clientId: process.env.MCP_AUTH_INTROSPECTION_CLIENT_ID!,
    clientSecret: process.env.MCP_AUTH_INTROSPECTION_CLIENT_SECRET!,
    cacheTtlSeconds: 60,
  }),
});
// #endregion introspection-validator
