import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpAuth, type McpAuth, type McpAuthOptions, type TokenValidator } from '@mcpgate/core';
import {
  obtainUserToken,
  startDevAuthorizationServer,
  type DevAuthorizationServer,
  type DevAuthorizationServerOptions,
  type UserTokenResponse,
} from '@mcpgate/example-dev-authorization-server';
import { createExampleApp, type ExampleApp, type ExampleAppOptions } from '@mcpgate/example-mcp-server';
import { jwtValidator } from '@mcpgate/jwt-validator';

export interface Stack {
  readonly as: DevAuthorizationServer;
  readonly auth: McpAuth;
  readonly example: ExampleApp;
  readonly resource: string;
  readonly mcpUrl: string;
  readonly origin: string;
  /** Closes the MCP side (app, HTTP server, store) and leaves the authorization server running. */
  closeMcp(): Promise<void>;
  close(): Promise<void>;
}

export interface StackOptions {
  readonly as?: Partial<DevAuthorizationServerOptions>;
  readonly auth?: Partial<McpAuthOptions>;
  readonly mode?: 'stateful' | 'stateless';
  /** The JWT validator's clock tolerance; default 0 so short-lived tokens expire on time in tests. */
  readonly clockToleranceSeconds?: number;
  /** Builds the validator once the AS is known; default a JWT validator for it. */
  readonly validator?: (as: DevAuthorizationServer) => TokenValidator;
  /** Idle timeout and caps of the example's live sessions. */
  readonly sessions?: ExampleAppOptions['sessions'];
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A real dev authorization server and the example MCP server, in-process on free ports. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const server = createServer();
  const port = await listen(server);
  const origin = `http://127.0.0.1:${port}`;
  const resource = `${origin}/mcp`;
  const as = await startDevAuthorizationServer({ resource, extraResources: ['http://127.0.0.1:1/other'], ...options.as });
  const auth = createMcpAuth({
    resource,
    authorizationServers: [as.issuer],
    validator: options.validator?.(as) ?? jwtValidator({ issuer: as.issuer, clockToleranceSeconds: options.clockToleranceSeconds ?? 0 }),
    requiredScopes: ['mcp:tools'],
    toolScopes: { admin_only: ['mcp:admin'] },
    logger: { warn: () => undefined, error: () => undefined },
    ...options.auth,
  });
  const example = createExampleApp({ auth, mode: options.mode ?? 'stateful', ...(options.sessions !== undefined ? { sessions: options.sessions } : {}) });
  server.on('request', example.app);
  const closeMcp = async (): Promise<void> => {
    await example.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await auth.close();
  };
  return {
    as,
    auth,
    example,
    resource,
    mcpUrl: resource,
    origin,
    closeMcp,
    async close() {
      await closeMcp();
      await as.close();
    },
  };
}

/** An access token for `login`, through the real authorization-code flow (DCR, PKCE, consent). */
export function tokenFor(as: DevAuthorizationServer, resource: string, login: string, scope = 'mcp:tools'): Promise<UserTokenResponse> {
  return obtainUserToken(as.issuer, { resource, login, scope });
}

/** A raw JSON-RPC POST to the MCP endpoint. */
export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

export const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
};

export const callWhoami = (id = 2) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'whoami', arguments: {} } });

/** Opens a session as the holder of `token`; returns the session id. */
export async function openSession(url: string, token: string): Promise<string> {
  const res = await post(url, initialize, { authorization: `Bearer ${token}` });
  const sessionId = res.headers.get('mcp-session-id');
  if (res.status !== 200 || sessionId === null) throw new Error(`initialize failed: ${res.status} ${res.text}`);
  await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { authorization: `Bearer ${token}`, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' });
  return sessionId;
}

/** Parses a JSON or SSE response body into its JSON-RPC message. */
export function rpcResult(text: string): { result?: { content?: Array<{ text: string }>; isError?: boolean }; error?: unknown } {
  const data = text.startsWith('{') ? text : (text.split('\n').find((l) => l.startsWith('data: ')) ?? '').slice(6);
  return JSON.parse(data) as { result?: { content?: Array<{ text: string }>; isError?: boolean }; error?: unknown };
}
