// Quoted in README.md ("### Whose account came back: the identity check"), where it continues the
// upstream example (readme-upstream.ts), and in packages/upstream/README.md (same heading). The region is
// both READMEs' code block, character for character: test/docs.test.ts type-checks this file and fails
// when a copy differs. Edit all three together.
import { principalOf, isMcpAuthError, type McpAuth } from '@mcpgate/core';
import { createUpstreamCredentials } from '@mcpgate/upstream';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

// Not shown in the README: the resource server (see readme-why.ts) and the MCP server.
declare const auth: McpAuth;
declare const server: McpServer;

// #region identity-check
const upstream = createUpstreamCredentials({
  store: auth.store, sealer: auth.sealer, issuer: 'https://login.partner.example', clientId: 'my-device-client',
  verifyUpstreamIdentity: ({ principal, upstream }) =>
    'claims' in principal && upstream.claims['email_verified'] === true && upstream.claims['email'] === principal.claims['email'],
});

// a tool calling the API as the user, telling them why there is no connection:
server.registerTool('upstream_whoami', { description: 'Call the API as you' }, async (extra) => {
  try {
    const res = await upstream.fetch(principalOf(extra), 'https://api.example.com/me');
    return { content: [{ type: 'text', text: await res.text() }] };
  } catch (error) {
    if (isMcpAuthError(error) && error.code === 'ERR_RECONNECT_REQUIRED') {
      if ((await upstream.lastDeviceAuthorization(principalOf(extra)))?.outcome === 'identity_mismatch') {
        return { isError: true, content: [{ type: 'text', text: 'The last connection was approved by a different account: run connect_upstream again and approve it signed in as yourself.' }] };
      }
      return { isError: true, content: [{ type: 'text', text: 'Run connect_upstream first.' }] };
    }
    throw error;
  }
});
// #endregion identity-check
