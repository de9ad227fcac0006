/**
 * @mcpgate/web on Hono (Node, @hono/node-server) in front of an SDK 2.x `createMcpHandler`: the real dev
 * authorization server, the 2.x client on both protocol eras and the 1.x client; principalOf(ctx),
 * per-tool scopes, metadata and the mirror from the same app.
 */
import type { AddressInfo } from 'node:net';
import { createMcpAuth, principalOf, type McpAuth } from '@mcpgate/core';
import { startDevAuthorizationServer, type DevAuthorizationServer } from '@mcpgate/example-dev-authorization-server';
import { jwtValidator } from '@mcpgate/jwt-validator';
import { authorizationServerMetadataMirror, protectedResourceMetadata, withMcpAuth } from '@mcpgate/web';
import { serve, type ServerType } from '@hono/node-server';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as Client1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as Transport1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, tokenFor } from './helpers/stack.js';

let as: DevAuthorizationServer;
let auth: McpAuth;
let server: ServerType;
let origin: string;
let token: string;

beforeAll(async () => {
  const app = new Hono();
  server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  as = await startDevAuthorizationServer({ resource: `${origin}/mcp` });
  auth = createMcpAuth({
    resource: `${origin}/mcp`,
    authorizationServers: [as.issuer],
    validator: jwtValidator({ issuer: as.issuer }),
    requiredScopes: ['mcp:tools'],
    toolScopes: { admin_whoami: ['mcp:admin'] },
    logger: { warn: () => undefined, error: () => undefined },
  });
  const handler = createMcpHandler(() => {
    const s = new McpServer({ name: 'hono', version: '1.0.0' });
    const whoami = async (ctx: Parameters<typeof principalOf>[0]) => ({ content: [{ type: 'text' as const, text: principalOf(ctx).subject }] });
    s.registerTool('whoami', { description: 'who' }, whoami);
    s.registerTool('admin_whoami', { description: 'who, admin' }, whoami);
    return s;
  });
  const metadata = protectedResourceMetadata(auth);
  const mirror = authorizationServerMetadataMirror(auth);
  const mcp = withMcpAuth(auth, (request, { authInfo, parsedBody }) => handler.fetch(request, { authInfo, parsedBody }));
  app.all('/.well-known/*', async (c) => metadata(c.req.raw) ?? (await mirror(c.req.raw)) ?? c.notFound());
  app.all('/mcp', (c) => mcp(c.req.raw));
  token = (await tokenFor(as, `${origin}/mcp`, 'alice')).access_token;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await auth?.close();
  await as?.close();
});

describe('@mcpgate/web on Hono in front of SDK 2.x createMcpHandler', () => {
  it.each(['legacy', 'auto', { pin: '2026-07-28' }] as const)('2.x client, era %j: tools/call as the caller', async (mode) => {
    const client = new Client({ name: 'e2e', version: '1' }, { versionNegotiation: { mode } });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${origin}/mcp`), { authProvider: { token: async () => token } }));
    try {
      expect(await client.callTool({ name: 'whoami', arguments: {} })).toMatchObject({ content: [{ text: 'alice' }] });
      await expect(client.callTool({ name: 'admin_whoami', arguments: {} })).rejects.toThrow(/mcp:tools mcp:admin/);
    } finally {
      await client.close();
    }
  });

  it('1.x client (2025-11-25, served statelessly by the SDK 2.x handler)', async () => {
    const client = new Client1({ name: 'e2e-1x', version: '1' });
    await client.connect(new Transport1(new URL(`${origin}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    try {
      expect(await client.callTool({ name: 'whoami', arguments: {} })).toMatchObject({ content: [{ text: 'alice' }] });
    } finally {
      await client.close();
    }
  });

  it('answers 401 with the challenge, and serves the metadata and the mirror', async () => {
    const res = await post(`${origin}/mcp`, { jsonrpc: '2.0', id: 1, method: 'ping' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain(`resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`);
    const prm = await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`);
    expect(await prm.json()).toMatchObject({ resource: `${origin}/mcp`, authorization_servers: [as.issuer] });
    const mirrored = await fetch(`${origin}/.well-known/oauth-authorization-server`);
    expect(await mirrored.json()).toMatchObject({ issuer: as.issuer });
  });
});
