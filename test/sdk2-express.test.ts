/**
 * requireMcpAuth in front of an SDK 2.x server (`toNodeHandler(createMcpHandler(...))`), with and without
 * a body parser in front; the real 2.x client on both protocol eras; principalOf(ctx) in the tool; per-tool,
 * per-resource and per-prompt scopes; Mcp-Method / Mcp-Name cross-checked; CORS for allowed origins.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpAuth, principalOf, type McpAuth } from '@mcpgate/core';
import { startDevAuthorizationServer, type DevAuthorizationServer } from '@mcpgate/example-dev-authorization-server';
import { requireMcpAuth } from '@mcpgate/express-adapter';
import { jwtValidator } from '@mcpgate/jwt-validator';
import { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, tokenFor } from './helpers/stack.js';

let as: DevAuthorizationServer;
let auth: McpAuth;
let server: Server;
let origin: string;
let token: string;
let adminToken: string;

function mcpServer(): McpServer {
  const s = new McpServer({ name: 'sdk2', version: '1.0.0' });
  const whoami = async (_args: unknown, ctx: Parameters<typeof principalOf>[0]) => {
    const p = principalOf(ctx);
    return { content: [{ type: 'text' as const, text: JSON.stringify({ subject: p.subject, scopes: p.scopes }) }] };
  };
  s.registerTool('whoami', { description: 'who' }, (ctx) => whoami(undefined, ctx));
  s.registerTool('admin_whoami', { description: 'who, admin' }, (ctx) => whoami(undefined, ctx));
  s.registerResource('report', 'file:///reports/q3', {}, async (uri) => ({ contents: [{ uri: uri.href, text: 'q3' }] }));
  s.registerPrompt('incident_review', { description: 'p' }, async () => ({ messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }] }));
  return s;
}

beforeAll(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  as = await startDevAuthorizationServer({ resource: `${origin}/mcp`, extraResources: [`${origin}/parsed`] });
  auth = createMcpAuth({
    resource: `${origin}/mcp`,
    authorizationServers: [as.issuer],
    validator: jwtValidator({ issuer: as.issuer, audience: [`${origin}/mcp`, `${origin}/parsed`] }),
    requiredScopes: ['mcp:tools'],
    toolScopes: { admin_whoami: ['mcp:admin'] },
    resourceScopes: { 'file:///reports/{name}': ['mcp:admin'] },
    promptScopes: { incident_review: ['mcp:admin'] },
    logger: { warn: () => undefined, error: () => undefined },
  });
  const handler = toNodeHandler(createMcpHandler(() => mcpServer()));
  const app = express();
  app.all('/mcp', requireMcpAuth(auth), (req, res) => void handler(req, res)); // no body parser, stream replayed
  app.all('/parsed', express.json(), requireMcpAuth(auth), (req, res) => void handler(req, res)); // a parser consumed the stream
  server.on('request', app);
  token = (await tokenFor(as, `${origin}/mcp`, 'alice')).access_token;
  adminToken = (await tokenFor(as, `${origin}/mcp`, 'alice', 'mcp:tools mcp:admin')).access_token;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await auth?.close();
  await as?.close();
});

async function connect(path: string, bearer: string, mode: 'legacy' | 'auto' | { pin: '2026-07-28' }): Promise<Client> {
  const client = new Client({ name: 'e2e', version: '1.0.0' }, { versionNegotiation: { mode } });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${origin}${path}`), { authProvider: { token: async () => bearer } }));
  return client;
}

const text = (result: unknown): string => ((result as { content: Array<{ text: string }> }).content[0] as { text: string }).text;

describe('requireMcpAuth in front of toNodeHandler(createMcpHandler(...))', () => {
  it.each([
    ['/mcp', 'legacy'],
    ['/mcp', 'auto'],
    ['/mcp', { pin: '2026-07-28' }],
    ['/parsed', 'legacy'],
    ['/parsed', { pin: '2026-07-28' }],
  ] as const)('%s, client era %j: principalOf(ctx) names the caller', async (path, mode) => {
    const client = await connect(path, token, mode);
    try {
      expect(JSON.parse(text(await client.callTool({ name: 'whoami', arguments: {} })))).toMatchObject({ subject: 'alice' });
    } finally {
      await client.close();
    }
  });

  it.each(['legacy', { pin: '2026-07-28' }] as const)('era %j: tool, resource and prompt scopes answer 403 with every scope needed', async (mode) => {
    const client = await connect('/mcp', token, mode);
    try {
      for (const call of [
        () => client.callTool({ name: 'admin_whoami', arguments: {} }),
        () => client.readResource({ uri: 'file:///reports/q3' }),
        () => client.getPrompt({ name: 'incident_review' }),
      ]) {
        await expect(call()).rejects.toThrow(/mcp:tools mcp:admin/);
      }
    } finally {
      await client.close();
    }
    const admin = await connect('/mcp', adminToken, mode);
    try {
      expect(JSON.parse(text(await admin.callTool({ name: 'admin_whoami', arguments: {} })))).toMatchObject({ subject: 'alice' });
      expect(await admin.readResource({ uri: 'file:///reports/q3' })).toMatchObject({ contents: [{ text: 'q3' }] });
      expect(await admin.getPrompt({ name: 'incident_review' })).toMatchObject({ messages: [{ role: 'user' }] });
    } finally {
      await admin.close();
    }
  });

  it('answers 403 insufficient_scope with the resource metadata, before the SDK dispatches', async () => {
    const res = await post(`${origin}/mcp`, { jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri: 'FILE:///reports/../reports/q3' } }, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer error="insufficient_scope", scope="mcp:tools mcp:admin", resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp", error_description="this resource requires scope mcp:tools mcp:admin", DPoP algs="ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512 EdDSA Ed25519"`,
    );
  });

  it('refuses Mcp-Name / Mcp-Method that contradict the body (400, -32020), decoding the base64 sentinel', async () => {
    const meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': {},
      'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '0' },
    };
    const body = { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'admin_whoami', arguments: {}, _meta: meta } };
    const headers = { authorization: `Bearer ${adminToken}`, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call' };
    const cheap = await post(`${origin}/mcp`, body, { ...headers, 'mcp-name': 'whoami' });
    expect(cheap.status).toBe(400);
    expect(JSON.parse(cheap.text)).toMatchObject({ error: { code: -32020 } });
    const method = await post(`${origin}/mcp`, body, { ...headers, 'mcp-method': 'tools/list', 'mcp-name': 'admin_whoami' });
    expect(JSON.parse(method.text)).toMatchObject({ error: { code: -32020 } });
    const encoded = await post(`${origin}/mcp`, body, { ...headers, 'mcp-name': `=?base64?${Buffer.from('admin_whoami').toString('base64')}?=` });
    expect(encoded.status).toBe(200);
    expect(encoded.text).toContain('alice');
  });

  it('sets AuthInfo.resourceMetadataUrl for the SDK', async () => {
    let seen: unknown;
    const app = express();
    app.all('/mcp', requireMcpAuth(auth), (req, res) => {
      seen = req.auth;
      res.json({});
    });
    const local = app.listen(0, '127.0.0.1');
    await new Promise((r) => local.once('listening', r));
    try {
      await post(`http://127.0.0.1:${(local.address() as AddressInfo).port}/mcp`, { jsonrpc: '2.0', id: 1, method: 'ping' }, { authorization: `Bearer ${token}` });
    } finally {
      local.close();
    }
    expect(seen).toMatchObject({ resourceMetadataUrl: `${origin}/.well-known/oauth-protected-resource/mcp`, clientId: expect.any(String) });
  });
});

describe('CORS for the origins the resource allows', () => {
  it('answers an allowed preflight with 204 and the MCP headers, another origin with 403', async () => {
    const ok = await fetch(`${origin}/mcp`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, mcp-protocol-version' },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://localhost:6274');
    expect(ok.headers.get('access-control-allow-headers')).toBe('authorization, content-type, mcp-protocol-version');
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
    const evil = await fetch(`${origin}/mcp`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets a browser client read the 401 challenge', async () => {
    const res = await post(`${origin}/mcp`, { jsonrpc: '2.0', id: 1, method: 'ping' }, { origin: 'http://localhost:6274' });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:6274');
    expect(res.headers.get('access-control-expose-headers')).toContain('WWW-Authenticate');
  });
});
