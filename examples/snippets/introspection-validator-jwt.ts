// Quoted in packages/introspection-validator/README.md (the "versus" example). The region is the README's
// code block, character for character: test/docs.test.ts type-checks this file and fails when the two
// differ. Edit both together.

// #region introspection-validator-jwt
import { createMcpAuth } from '@mcpgate/core';
import { jwtValidator } from '@mcpgate/jwt-validator';

const auth = createMcpAuth({
  resource: 'https://mcp.example.com/mcp',
  authorizationServers: ['https://login.example.com'],
  validator: jwtValidator({ issuer: 'https://login.example.com' }),
});
// #endregion introspection-validator-jwt
