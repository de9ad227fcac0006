/**
 * `npm start`: the example MCP server, configured from the environment (see README). Without
 * MCP_AUTH_ISSUER it also starts the embedded development authorization server.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDevAuthorizationServer, type DevAuthorizationServer } from '@mcpgate/example-dev-authorization-server';
import { createExampleApp } from './app.js';
import { setupAuth } from './auth-setup.js';
import { ConfigError, loadConfig } from './config.js';
import { startTelemetry } from './telemetry.js';

async function main(): Promise<void> {
  const config = loadConfig();
  // before anything reports: the OpenTelemetry SDK (only when OTEL_EXPORTER_OTLP_ENDPOINT & co. ask for it)
  const telemetry = await startTelemetry(config.telemetry);
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
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
  const example = createExampleApp({
    auth: setup.auth,
    tools: setup.tools,
    sessions: { idleTimeoutMs: config.sessions.idleTimeoutSeconds * 1000, maxPerUser: config.sessions.maxPerUser },
  });
  server.on('request', example.listener);

  const lines = [
    `mcpgate example MCP server listening`,
    `  MCP endpoint:            ${resource}`,
    `  resource metadata:       ${setup.auth.metadataLocations.url}`,
    `  authorization server:    ${issuer}${devAs ? '  (embedded development server; users: alice, bob — no password)' : ''}`,
    `  token validation:        ${config.validator}`,
    ...[...setup.notes, telemetry.note].map((n) => `  ${n}`),
    '',
    'Connect any MCP client (Streamable HTTP) to the MCP endpoint above; it discovers the authorization',
    'server from the 401 challenge. The MCP Inspector (`npx @modelcontextprotocol/inspector@2.12.0`, Node 22.19 or newer) works too.',
    'To watch the whole flow scripted with the SDK client, run `npm run demo` (it starts its own pair of servers).',
  ];
  console.log(lines.join('\n'));

  let closing = false;
  const shutdown = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    await example.close();
    server.closeAllConnections();
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
