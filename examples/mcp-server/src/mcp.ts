import { principalOf } from '@mcpgate/core';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

/** The example's MCP tools. `whoami` answers from the verified principal, never from the session. */
export function buildMcpServer(): McpServer {
  const server = new McpServer({ name: 'mcpgate-example', version: '0.1.0' });
  server.registerTool(
    'whoami',
    { description: 'Who the server thinks you are: the subject, client and scopes of your verified access token.' },
    async (extra) => {
      const principal = principalOf(extra);
      const body = { subject: principal.subject, clientId: principal.clientId, scopes: [...principal.scopes] };
      return { content: [{ type: 'text', text: JSON.stringify(body) }] };
    },
  );
  return server;
}
