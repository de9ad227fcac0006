import { authInfoOf, createSealer, createStateCodec, generateEncryptionKey, principalOf, type StateCodec } from '@mcpgate/core';
import { createStateTools, createUpstreamTools, stateToolDefinitions, upstreamToolDescriptions, type ExampleTools } from '@mcpgate/example-mcp-server';
import { inputRequired, McpServer } from '@modelcontextprotocol/server';

/** The caller of a tool call (SDK 2.x `ctx`), or undefined when the server runs without authentication. */
const callerOf = (ctx: Parameters<typeof authInfoOf>[0]) => (authInfoOf(ctx) === undefined ? undefined : principalOf(ctx));
const text = (value: string, isError = false) => ({ content: [{ type: 'text' as const, text: value }], ...(isError ? { isError: true } : {}) });

/**
 * The example's tools on an SDK 2.x `McpServer`: the same tools, answers and logic as examples/mcp-server
 * (whose framework-neutral implementations it registers), read through `ctx` instead of `extra`.
 */
export function buildMcpServer(tools: ExampleTools = {}): McpServer {
  const requestStates = tools.anonymous === true ? undefined : requestStateCodec(tools);
  const server = new McpServer(
    { name: 'mcpgate-example-v2', version: '0.1.0' },
    // 2026-07-28 requestState comes back from the client: it must open for this caller, for tools/call, unexpired
    requestStates === undefined ? {} : { requestState: { verify: (state, ctx) => requestStates.open(state, principalOf(ctx), { purpose: 'tools/call' }) } },
  );
  const whoami = async (ctx: Parameters<typeof authInfoOf>[0]) => {
    const principal = callerOf(ctx);
    if (principal === undefined) return text(JSON.stringify({ subject: null, clientId: null, scopes: [] }));
    return text(JSON.stringify({ subject: principal.subject, clientId: principal.clientId, scopes: [...principal.scopes] }));
  };
  server.registerTool('whoami', { description: 'Who the server thinks you are: the subject, client and scopes of your verified access token.' }, whoami);
  server.registerTool(
    'admin_whoami',
    { description: 'Like whoami, but needs the scopes MCP_AUTH_TOOL_SCOPES gives it (default mcp:admin): try step-up authorization.' },
    whoami,
  );
  if (requestStates !== undefined) registerConfirmedWhoami(server, requestStates);
  const state = createStateTools({ sealer: tools.sealer, ...(tools.handleTtlSeconds !== undefined ? { ttlSeconds: tools.handleTtlSeconds } : {}) });
  server.registerTool('remember', stateToolDefinitions.remember, async (args, ctx) => state.remember(args, callerOf(ctx)));
  server.registerTool('recall', stateToolDefinitions.recall, async (args, ctx) => state.recall(args, callerOf(ctx)));
  const upstream = tools.upstream;
  if (upstream !== undefined && 'credentials' in upstream) {
    const calls = createUpstreamTools(upstream.credentials, { api: upstream.api });
    server.registerTool('connect_upstream', { description: upstreamToolDescriptions.connect_upstream }, async (ctx) => calls.connect(principalOf(ctx)));
    server.registerTool('upstream_whoami', { description: upstreamToolDescriptions.upstream_whoami }, async (ctx) =>
      calls.whoami(principalOf(ctx), ctx.mcpReq.signal),
    );
  } else if (upstream !== undefined) {
    for (const name of ['connect_upstream', 'upstream_whoami']) {
      server.registerTool(name, { description: `Unavailable: ${upstream.missing}` }, async () => text(`Upstream credentials are not configured: ${upstream.missing}`, true));
    }
  }
  return server;
}

let processSealer: ReturnType<typeof createSealer> | undefined;

/** The codec of `requestState`: on the server's key ring (`auth.sealer`), else a key made for this process. */
function requestStateCodec(tools: ExampleTools): StateCodec {
  processSealer ??= createSealer(generateEncryptionKey());
  return createStateCodec({ sealer: tools.sealer ?? processSealer, ttlSeconds: 300 });
}

/**
 * `whoami_confirmed`: `whoami` once the user confirms, through the 2026-07-28 multi-round-trip flow. The
 * first call answers `input_required` (an elicitation) with a `requestState` sealed for the caller; the
 * client retries with the answer and that state, which the server's verify hook opens only for the same
 * user, for `tools/call`, within 5 minutes.
 */
function registerConfirmedWhoami(server: McpServer, states: StateCodec): void {
  server.registerTool(
    'whoami_confirmed',
    { description: 'Like whoami, after you confirm (2026-07-28 clients: input_required with a requestState sealed for you).' },
    async (ctx) => {
      const principal = principalOf(ctx);
      const state = ctx.mcpReq.requestState<{ tool?: unknown }>();
      if (state === undefined) {
        return inputRequired({
          inputRequests: {
            confirm: inputRequired.elicit({
              message: 'Show the server who you are?',
              requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean' } }, required: ['confirm'] },
            }),
          },
          requestState: states.seal({ tool: 'whoami_confirmed' }, principal, { purpose: 'tools/call' }),
        });
      }
      if (state.tool !== 'whoami_confirmed') return text('This requestState belongs to another tool.', true);
      const answer = ctx.mcpReq.inputResponses?.['confirm'] as { action?: unknown; content?: { confirm?: unknown } } | undefined;
      if (answer?.action !== 'accept' || answer.content?.confirm !== true) return text('Not confirmed: nothing shown.');
      return text(JSON.stringify({ subject: principal.subject, clientId: principal.clientId, scopes: [...principal.scopes], confirmed: true }));
    },
  );
}
