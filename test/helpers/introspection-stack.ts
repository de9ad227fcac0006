import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpAuth, type McpAuth } from '@mcpgate/core';
import { startDevAuthorizationServer, type DevAuthorizationServer, type DevAuthorizationServerOptions } from '@mcpgate/example-dev-authorization-server';
import { createExampleApp, type ExampleApp } from '@mcpgate/example-mcp-server';
import { introspectionValidator } from '@mcpgate/introspection-validator';

const silent = { warn: () => undefined, error: () => undefined };

export interface IntrospectionStack {
  readonly as: DevAuthorizationServer;
  readonly auth: McpAuth;
  readonly example: ExampleApp;
  readonly resource: string;
  readonly mcpUrl: string;
  readonly origin: string;
  /** Takes the authorization server down and brings it back on the same port. */
  readonly outage: AsOutage;
  close(): Promise<void>;
}

/**
 * A real dev AS issuing OPAQUE access tokens, and the example MCP server (in-process) validating them by
 * RFC 7662 introspection with the AS's introspection client. (`startStack` builds its validator before the
 * issuer is known, hence this helper.)
 */
export async function startIntrospectionStack(options: {
  cacheTtlSeconds: number;
  as?: Partial<DevAuthorizationServerOptions>;
}): Promise<IntrospectionStack> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const resource = `${origin}/mcp`;
  const as = await startDevAuthorizationServer({ resource, accessTokenFormat: 'opaque', ...options.as });
  const auth = createMcpAuth({
    resource,
    authorizationServers: [as.issuer],
    validator: introspectionValidator({
      issuer: as.issuer,
      clientId: as.introspectionClient.clientId,
      clientSecret: as.introspectionClient.clientSecret,
      cacheTtlSeconds: options.cacheTtlSeconds,
      logger: silent,
    }),
    requiredScopes: ['mcp:tools'],
    logger: silent,
  });
  const example = createExampleApp({ auth });
  server.on('request', example.app);
  const outage = asOutage(as);
  return {
    as,
    auth,
    example,
    resource,
    mcpUrl: resource,
    origin,
    outage,
    async close() {
      await example.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await auth.close();
      await outage.close();
    },
  };
}

export interface AsOutage {
  /** Stops the AS listening (connections refused from now on). */
  down(): Promise<void>;
  /**
   * Listens again on the SAME port with the SAME oidc-provider instance. (A brand-new dev AS would mint a new
   * random introspection client secret that the MCP server does not know, so it could never recover; a real
   * AS keeps its client credentials across restarts.)
   */
  up(): Promise<void>;
  /** Closes whatever is listening. */
  close(): Promise<void>;
}

export function asOutage(as: DevAuthorizationServer): AsOutage {
  let state: 'original' | 'down' | 'again' = 'original';
  let again: Server | undefined;
  const closeAgain = async () => {
    const server = again;
    again = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    async down() {
      if (state === 'original') await as.close();
      else if (state === 'again') await closeAgain();
      state = 'down';
    },
    async up() {
      if (state !== 'down') throw new Error('the AS is not down');
      const server = createServer(as.provider.callback());
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(as.port, '127.0.0.1', () => resolve());
      });
      again = server;
      state = 'again';
    },
    async close() {
      if (state === 'original') await as.close();
      else if (state === 'again') await closeAgain();
      state = 'down';
    },
  };
}
