/**
 * `npm run start:v2`: the SDK 2.x example MCP server, configured from the same environment as `npm start`
 * (see the README). Without MCP_AUTH_ISSUER it also starts the embedded development authorization server.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { startDevAuthorizationServer, type DevAuthorizationServer } from '@mcpgate/example-dev-authorization-server';
import { ConfigError, loadConfig, setupAuth, startTelemetry } from '@mcpgate/example-mcp-server';
import { createExampleAppV2 } from './app.js';

async function main(): Promise<void> {
  const config = loadConfig();
  // before anything reports: the OpenTelemetry SDK (only when OTEL_EXPORTER_OTLP_ENDPOINT & co. ask for it)
  const telemetry = await startTelemetry(config.telemetry);
  let fetchHandler: (request: Request) => Response | Promise<Response> = () => new Response('starting', { status: 503, headers: { 'retry-after': '1' } });
  const server = serve({ fetch: (request) => fetchHandler(request), port: config.port, hostname: config.host });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const resource = config.port === 0 && process.env['MCP_RESOURCE'] === undefined ? config.resource.replace(/:0\//, `:${port}/`) : config.resource;
  const effective = { ...config, resource };

  let devAs: DevAuthorizationServer | undefined;
  if (config.issuer === undefined) {
    devAs = await startDevAuthorizationServer({
      resource,
      host: config.host,
      accessTokenFormat: config.validator === 'introspection' ? 'opaque' : 'jwt',
      accessTokenTtlSeconds: config.dev.accessTokenTtlSeconds,
      upstreamAccessTokenTtlSeconds: config.dev.upstreamAccessTokenTtlSeconds,
    });
  }
  const issuer = config.issuer ?? (devAs as DevAuthorizationServer).issuer;
  const setup = await setupAuth(effective, issuer, devAs);
  const example = createExampleAppV2({ auth: setup.auth, tools: setup.tools });
  fetchHandler = example.app.fetch;

  const lines = [
    `mcpgate example MCP server (SDK 2.x: 2025-11-25 and 2026-07-28 clients) listening`,
    `  MCP endpoint:            ${resource}`,
    `  resource metadata:       ${setup.auth.metadataLocations.url}`,
    `  authorization server:    ${issuer}${devAs ? '  (embedded development server; users: alice, bob — no password)' : ''}`,
    `  token validation:        ${config.validator}`,
    ...[...setup.notes, telemetry.note].map((n) => `  ${n}`),
    '',
    'Connect any MCP client (Streamable HTTP) to the MCP endpoint above; it discovers the authorization',
    'server from the 401 challenge. The SDK 2.x server keeps no sessions: 2025-11-25 clients are served',
    'statelessly, 2026-07-28 clients natively. The MCP Inspector (`npx @modelcontextprotocol/inspector@2.12.0`, Node 22.19 or newer) works too.',
  ];
  console.log(lines.join('\n'));

  let closing = false;
  const shutdown = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    await example.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await setup.close();
    await devAs?.close();
    await telemetry.shutdown();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`configuration error: ${error.message}`);
    process.exit(2);
  }
  console.error('failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
