import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { createMcpAuth, principalOf, type McpAuth, type McpAuthOptions } from '@mcpgate/core';
import { protectedResourceMetadata, requireMcpAuth } from '@mcpgate/express-adapter';
import type { DevAuthorizationServer } from '@mcpgate/example-dev-authorization-server';
import { jwtValidator } from '@mcpgate/jwt-validator';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express from 'express';

/** Tools of the README-style server; each records that it ran. */
export const TOOLS = ['whoami', 'admin_tool', '工具'] as const;
export const TOOL_SCOPES = { admin_tool: ['mcp:admin'], 工具: ['mcp:admin'] };

export interface ReadmeServer {
  readonly url: string;
  readonly origin: string;
  readonly auth: McpAuth;
  /** Names of the tools that ran, in order. */
  readonly ran: string[];
  close(): Promise<void>;
}

export interface Reserved {
  readonly server: Server;
  readonly origin: string;
  readonly url: string;
}

/** An HTTP server listening on a free port, so its resource URI is known before the AS starts. */
export async function reserve(): Promise<Reserved> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, origin, url: `${origin}/mcp` };
}

/**
 * An MCP server wired exactly like the README (SDK 1.x transport, stateful, `requireMcpAuth` with
 * `toolScopes`), with or without `express.json()` in front, against the real dev AS.
 */
export async function startReadmeServer(
  as: DevAuthorizationServer,
  reserved: Reserved,
  options: { bodyParser: boolean; auth?: Partial<McpAuthOptions>; requireMcpAuth?: Parameters<typeof requireMcpAuth>[1] },
): Promise<ReadmeServer> {
  const { server, origin, url } = reserved;
  const auth = createMcpAuth({
    resource: url,
    authorizationServers: [as.issuer],
    validator: jwtValidator({ issuer: as.issuer, clockToleranceSeconds: 0 }),
    requiredScopes: ['mcp:tools'],
    toolScopes: TOOL_SCOPES,
    logger: { warn: () => undefined, error: () => undefined },
    ...options.auth,
  });
  const ran: string[] = [];
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const app = express();
  app.use(protectedResourceMetadata(auth));
  const parsers = options.bodyParser ? [express.json()] : [];
  app.all('/mcp', ...parsers, requireMcpAuth(auth, options.requireMcpAuth), async (req, res) => {
    const id = req.headers['mcp-session-id'];
    let transport = typeof id === 'string' ? transports.get(id) : undefined;
    if (transport === undefined) {
      if (typeof id === 'string') {
        res.status(404).json({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
        return;
      }
      const created: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (sid) => void transports.set(sid, created),
      });
      const mcp = new McpServer({ name: 'readme', version: '1.0.0' });
      for (const name of TOOLS) {
        mcp.registerTool(name, { description: name }, async (extra) => {
          ran.push(name);
          return { content: [{ type: 'text', text: JSON.stringify({ tool: name, subject: principalOf(extra).subject }) }] };
        });
      }
      await mcp.connect(created);
      transport = created;
    }
    await transport.handleRequest(req, res, req.body);
  });
  server.on('request', app);
  return {
    url,
    origin,
    auth,
    ran,
    async close() {
      await Promise.all([...transports.values()].map((t) => t.close()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await auth.close();
    },
  };
}

export interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A request with exact bytes: raw header pairs (any Latin-1) and a raw body. */
export function rawRequest(url: string, method: string, headers: Array<[string, string]>, body?: Uint8Array | string): Promise<RawAnswer> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
    const all = [...headers, ...(payload === undefined ? [] : ([['content-length', String(payload.length)]] as Array<[string, string]>))];
    const req = httpRequest(
      { host: target.hostname, port: target.port, path: target.pathname + target.search, method, headers: Object.fromEntries(all) },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Bytes straight onto a socket (for header values Node's client would refuse); resolves with the status line's code. */
export function socketRequest(url: string, head: string, body = ''): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(target.port), target.hostname);
    let text = '';
    socket.on('data', (d) => {
      text += d.toString('latin1');
    });
    socket.on('end', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text }));
    socket.on('error', reject);
    socket.write(Buffer.from(`${head}\r\nconnection: close\r\n\r\n${body}`, 'latin1'));
  });
}

export const jsonHeaders = (token: string | undefined, extra: Array<[string, string]> = []): Array<[string, string]> => [
  ['content-type', 'application/json'],
  ['accept', 'application/json, text/event-stream'],
  ...(token === undefined ? [] : ([['authorization', `Bearer ${token}`]] as Array<[string, string]>)),
  ...extra,
];

export const initializeBody = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'hostile', version: '0' } },
});

/** Opens a session (initialize + initialized) as the holder of `token`. */
export async function openSession(url: string, token: string): Promise<string> {
  const init = await rawRequest(url, 'POST', jsonHeaders(token), initializeBody);
  const id = init.headers['mcp-session-id'];
  if (init.status !== 200 || typeof id !== 'string') throw new Error(`initialize failed: ${init.status} ${init.body}`);
  await rawRequest(url, 'POST', jsonHeaders(token, [['mcp-session-id', id], ['mcp-protocol-version', '2025-06-18']]), '{"jsonrpc":"2.0","method":"notifications/initialized"}');
  return id;
}

/** Calls a tool on a session with exact body bytes. */
export function callRaw(url: string, token: string, sessionId: string, body: Uint8Array | string, extra: Array<[string, string]> = []): Promise<RawAnswer> {
  return rawRequest(url, 'POST', jsonHeaders(token, [['mcp-session-id', sessionId], ['mcp-protocol-version', '2025-06-18'], ...extra]), body);
}

export const toolCall = (name: string, id = 2) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } });

/** The server still answers: metadata, and a whoami call on a fresh session. */
export async function assertAlive(server: ReadmeServer, token: string): Promise<void> {
  const metadata = await fetch(`${server.origin}/.well-known/oauth-protected-resource/mcp`);
  if (metadata.status !== 200) throw new Error(`metadata answered ${metadata.status}`);
  const session = await openSession(server.url, token);
  const call = await callRaw(server.url, token, session, toolCall('whoami'));
  if (call.status !== 200 || !call.body.includes('whoami')) throw new Error(`whoami answered ${call.status} ${call.body}`);
}
