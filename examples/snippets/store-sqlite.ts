// Quoted in packages/store-sqlite/README.md. The region is the README's code block, character for character:
// test/docs.test.ts type-checks this file and fails when the two differ. Edit both together.
import type { TokenValidator } from '@mcpgate/core';

// Not shown in the README: the token validator (jwtValidator or introspectionValidator).
declare const validator: TokenValidator;

// #region store-sqlite
import { createMcpAuth } from '@mcpgate/core';
import { sqliteStore } from '@mcpgate/store-sqlite';

const auth = createMcpAuth({
  resource: 'https://mcp.example.com/mcp',
  authorizationServers: ['https://auth.example.com'],
  validator,
  store: sqliteStore('sqlite://./data/mcpgate.sqlite'),
  encryptionKey: process.env.MCP_AUTH_ENCRYPTION_KEY,   // required: the store is persistent
});
// #endregion store-sqlite
