// Quoted in packages/introspection-validator/README.md ("With a shared store"). The region is the README's
// code block, character for character: test/docs.test.ts type-checks this file and fails when the two
// differ. Edit both together.

// #region introspection-validator-shared-store
import { createMcpAuth, createSealer } from '@mcpgate/core';
import { introspectionValidator } from '@mcpgate/introspection-validator';
import { redisStore } from '@mcpgate/store-redis';

const encryptionKey = process.env.MCP_AUTH_ENCRYPTION_KEY!; // openssl rand -base64 32
const store = redisStore(process.env.REDIS_URL!);
const auth = createMcpAuth({
  resource: 'https://mcp.example.com/mcp',
  authorizationServers: ['https://login.example.com'],
  store,
  encryptionKey,
  validator: introspectionValidator({
    issuer: 'https://login.example.com',
    clientId: process.env.MCP_AUTH_INTROSPECTION_CLIENT_ID!,
    clientSecret: process.env.MCP_AUTH_INTROSPECTION_CLIENT_SECRET!,
    cache: store,
    sealer: createSealer(encryptionKey),
  }),
});
// #endregion introspection-validator-shared-store
