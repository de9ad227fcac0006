// Quoted in README.md ("## Upstream credentials: calling another API as the user"). The region is the
// README's code block, character for character: test/docs.test.ts type-checks this file and fails when
// the two differ. Edit both together.
import type { McpAuth } from '@mcpgate/core';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

// Not shown in the README: the resource server (see readme-why.ts) and the MCP server.
declare const auth: McpAuth;
declare const server: McpServer;

// #region upstream
import { principalOf, isMcpAuthError } from '@mcpgate/core';
import { createUpstreamCredentials } from '@mcpgate/upstream';

const upstream = createUpstreamCredentials({
  store: auth.store, sealer: auth.sealer,                  // the same store and key as the resource server
  issuer: 'https://login.example.com', clientId: 'my-device-client', scope: 'openid offline_access',
});

server.registerTool('connect_upstream', { description: 'Connect your account' }, async (extra) => {
  const prompt = await upstream.startDeviceAuthorization(principalOf(extra));  // polling continues in the background
  return { content: [{ type: 'text', text: JSON.stringify(prompt) }] };      // verification_uri(_complete), user_code, expires_in
});

server.registerTool('upstream_whoami', { description: 'Call the API as you' }, async (extra) => {
  try {
    const res = await upstream.fetch(principalOf(extra), 'https://api.example.com/me'); // refreshes if needed
    return { content: [{ type: 'text', text: await res.text() }] };
  } catch (error) {
    if (isMcpAuthError(error) && error.code === 'ERR_RECONNECT_REQUIRED') {
      return { isError: true, content: [{ type: 'text', text: 'Run connect_upstream first.' }] };
    }
    throw error;
  }
});
// #endregion upstream
