/**
 * `npm run demo`: the official MCP SDK client walks through mcpgate's whole flow on screen, against the
 * example server and the embedded development authorization server (both started here, on free ports,
 * with 3-second access tokens so expiry and refresh show up):
 *   401 challenge → OAuth (discovery, registration, PKCE, consent) → whoami → bob's token on alice's
 *   session refused → alice's token expires → the client refreshes → same session, same user.
 * With the OpenTelemetry variables (e.g. OTEL_TRACES_EXPORTER=console) it also starts the SDK, as `npm start`
 * does, so every span of the flow is shown or exported.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpAuth, memoryStore } from '@mcpgate/core';
import { startDevAuthorizationServer } from '@mcpgate/example-dev-authorization-server';
import { jwtValidator } from '@mcpgate/jwt-validator';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { createExampleApp } from './app.js';
import { ConfigError, telemetrySetting } from './config.js';
import { ScriptedOAuthClientProvider, connectWithOAuth } from './oauth-client.js';
import { startTelemetry } from './telemetry.js';

const TOKEN_TTL = 3;
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const step = (n: number, s: string) => console.log(`\n${bold(`${n}. ${s}`)}`);

/** A fetch that prints each HTTP exchange the SDK client makes (never token bytes). */
function tracingFetch(label: string): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const response = await fetch(request);
    const url = new URL(request.url);
    const challenge = response.headers.get('www-authenticate');
    console.log(dim(`   [${label}] ${request.method} ${url.host}${url.pathname} → ${response.status}${challenge ? `  WWW-Authenticate: ${challenge}` : ''}`));
    return response;
  };
}

async function whoami(client: Client): Promise<string> {
  const result = (await client.callTool({ name: 'whoami', arguments: {} })) as { content: Array<{ text: string }> };
  return result.content[0]?.text ?? '';
}

async function main(): Promise<void> {
  const telemetry = await startTelemetry(telemetrySetting(process.env));
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const resource = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  const as = await startDevAuthorizationServer({ resource, accessTokenTtlSeconds: TOKEN_TTL });
  const auth = createMcpAuth({
    resource,
    authorizationServers: [as.issuer],
    validator: jwtValidator({ issuer: as.issuer, clockToleranceSeconds: 0 }),
    store: memoryStore(),
    requiredScopes: ['mcp:tools'],
  });
  const example = createExampleApp({ auth });
  server.on('request', example.app);
  console.log(`MCP server ${resource}\nauthorization server ${as.issuer} (access tokens live ${TOKEN_TTL} s)\n${telemetry.note}`);

  try {
    step(1, 'A request without a token is challenged');
    const bare = await fetch(resource, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    console.log(`   ${bare.status} WWW-Authenticate: ${bare.headers.get('www-authenticate')}`);

    step(2, 'The SDK client does OAuth as alice: metadata discovery, registration, PKCE, consent, token');
    const alice = new ScriptedOAuthClientProvider('alice');
    const { client, transport } = await connectWithOAuth(resource, alice, { fetch: tracingFetch('alice') });
    console.log(`   connected; session ${transport.sessionId}`);

    step(3, 'whoami answers from the verified token');
    console.log(`   ${await whoami(client)}`);

    step(4, "bob's valid token on alice's session is refused exactly like an unknown session");
    const bob = new ScriptedOAuthClientProvider('bob');
    const bobConnection = await connectWithOAuth(resource, bob);
    const hijack = await fetch(resource, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${bob.tokens()?.access_token ?? ''}`,
        'mcp-session-id': transport.sessionId ?? '',
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'whoami', arguments: {} } }),
    });
    console.log(`   ${hijack.status} ${await hijack.text()}`);
    await bobConnection.client.close();

    step(5, `alice's access token expires (waiting ${TOKEN_TTL + 1} s)…`);
    const before = as.stats.refreshGrants;
    console.log('   at expiry the server ends the open SSE stream; the client reconnects, gets 401, refreshes once and goes on');
    await new Promise((r) => setTimeout(r, (TOKEN_TTL + 1) * 1000));
    console.log(`   ${await whoami(client)}`);
    console.log(`   refresh grants at the AS: ${as.stats.refreshGrants - before}; same session: ${transport.sessionId}`);
    await client.close();
    console.log(`\n${bold('Done.')} Every request was authenticated; the session stayed bound to alice across the refresh.`);
  } finally {
    await example.close();
    server.closeAllConnections();
    server.close();
    await auth.close();
    await as.close();
    await telemetry.shutdown();
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`configuration error: ${error.message}`);
    process.exit(2);
  }
  console.error('demo failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
