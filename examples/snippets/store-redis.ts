// Quoted in packages/store-redis/README.md. The region is the README's code block, character for character:
// test/docs.test.ts type-checks this file and fails when the two differ. Edit both together.
import type { TokenValidator } from '@mcpgate/core';

// Not shown in the README: the token validator (jwtValidator or introspectionValidator).
declare const validator: TokenValidator;

// #region store-redis
import { createMcpAuth } from '@mcpgate/core';
import { redisStore } from '@mcpgate/store-redis';

const auth = createMcpAuth({
  resource: 'https://mcp.example.com/mcp',
  authorizationServers: ['https://auth.example.com'],
  validator,
  store: redisStore(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'),
  encryptionKey: process.env.MCP_AUTH_ENCRYPTION_KEY,   // required: the store is persistent
});
// #endregion store-redis
