import { principalOf, type AuthInfo, type Sealer } from '@mcpgate/core';
import type { UpstreamCredentials } from '@mcpgate/upstream';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { createStateTools, registerStateTools } from './state-tools.js';
import { registerUpstreamTools } from './upstream-tools.js';

/** What the example's tools need besides the request. */
export interface ExampleTools {
  /** Upstream credentials and the API `upstream_whoami` calls; absent: those tools explain what to configure. */
  readonly upstream?: { readonly credentials: UpstreamCredentials; readonly api: string | undefined } | { readonly missing: string };
  /** Serving without authentication (benchmarks only): `whoami` answers with a null subject instead of failing. */
  readonly anonymous?: boolean;
  /** The key ring `remember` seals handles with (`auth.sealer`); undefined: a key made for this process. */
  readonly sealer?: Sealer | undefined;
  /** Lifetime of a `remember` handle, in seconds. Default 3600. */
  readonly handleTtlSeconds?: number;
}

const text = (value: string, isError = false) => ({ content: [{ type: 'text' as const, text: value }], ...(isError ? { isError: true } : {}) });

/** The example's MCP tools. `whoami` answers from the verified principal, never from the session. */
export function buildMcpServer(tools: ExampleTools = {}): McpServer {
  const server = new McpServer({ name: 'mcpgate-example', version: '0.1.0' });
  const whoami = async (extra: { authInfo?: AuthInfo | undefined }) => {
    if (tools.anonymous === true) return text(JSON.stringify({ subject: null, clientId: null, scopes: [] }));
    const principal = principalOf(extra);
    return text(JSON.stringify({ subject: principal.subject, clientId: principal.clientId, scopes: [...principal.scopes] }));
  };
  server.registerTool('whoami', { description: 'Who the server thinks you are: the subject, client and scopes of your verified access token.' }, whoami);
  server.registerTool(
    'admin_whoami',
    { description: 'Like whoami, but needs the scopes MCP_AUTH_TOOL_SCOPES gives it (default mcp:admin): try step-up authorization.' },
    whoami,
  );
  registerStateTools(server, createStateTools({ sealer: tools.sealer, ...(tools.handleTtlSeconds !== undefined ? { ttlSeconds: tools.handleTtlSeconds } : {}) }));
  const upstream = tools.upstream;
  if (upstream !== undefined && 'credentials' in upstream) {
    registerUpstreamTools(server, upstream.credentials, { api: upstream.api });
  } else if (upstream !== undefined) {
    for (const name of ['connect_upstream', 'upstream_whoami']) {
      server.registerTool(name, { description: `Unavailable: ${upstream.missing}` }, async () => text(`Upstream credentials are not configured: ${upstream.missing}`, true));
    }
  }
  return server;
}
