import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { createMcpAuth, createSealer, generateEncryptionKey, type McpAuth, type McpAuthOptions } from '@mcpgate/core';
import { startDevAuthorizationServer, type DevAuthorizationServer, type DevAuthorizationServerOptions } from '@mcpgate/example-dev-authorization-server';
import { createExampleAppV2, type ExampleAppV2 } from '@mcpgate/example-mcp-server-v2';
import { jwtValidator } from '@mcpgate/jwt-validator';

export interface StackV2 {
  readonly as: DevAuthorizationServer;
  readonly auth: McpAuth;
  readonly example: ExampleAppV2;
  readonly resource: string;
  readonly mcpUrl: string;
  readonly origin: string;
  close(): Promise<void>;
}

/** A real dev authorization server and the SDK 2.x example server (Hono on @hono/node-server), in-process on free ports. */
export async function startStackV2(
  options: { readonly as?: Partial<DevAuthorizationServerOptions>; readonly auth?: Partial<McpAuthOptions>; readonly clockToleranceSeconds?: number } = {},
): Promise<StackV2> {
  let fetchHandler: (request: Request) => Response | Promise<Response> = () => new Response(null, { status: 503 });
  const server: ServerType = serve({ fetch: (request) => fetchHandler(request), port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const resource = `${origin}/mcp`;
  const as = await startDevAuthorizationServer({ resource, ...options.as });
  const auth = createMcpAuth({
    resource,
    authorizationServers: [as.issuer],
    validator: jwtValidator({ issuer: as.issuer, clockToleranceSeconds: options.clockToleranceSeconds ?? 0 }),
    requiredScopes: ['mcp:tools'],
    toolScopes: { admin_whoami: ['mcp:admin'] },
    encryptionKey: generateEncryptionKey(),
    logger: { warn: () => undefined, error: () => undefined },
    ...options.auth,
  });
  const example = createExampleAppV2({ auth, tools: { sealer: auth.sealer ?? createSealer(generateEncryptionKey()) } });
  fetchHandler = example.app.fetch;
  return {
    as,
    auth,
    example,
    resource,
    mcpUrl: resource,
    origin,
    async close() {
      await example.close();
      await new Promise((resolve) => server.close(resolve));
      await auth.close();
      await as.close();
    },
  };
}
