/**
 * Real parts for the benchmarks, started in-process on free loopback ports: the dev authorization
 * server, the example MCP app (with or without mcpgate), tokens from the real authorization-code flow,
 * and open MCP sessions. Mirrors test/helpers/stack.ts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpAuth } from '@mcpgate/core';
import { obtainUserToken, type DevAuthorizationServer } from '@mcpgate/example-dev-authorization-server';
import { createExampleApp, type ExampleApp } from '@mcpgate/example-mcp-server';
import { proof, type DpopProofSpec } from './dpop.js';
import type { HttpTarget } from './load.js';

export const PROTOCOL_VERSION = '2025-06-18';
export const quietLogger = { warn: () => undefined, error: () => undefined };

/** A bare HTTP server listening on a free loopback port; attach a request handler later. */
export async function loopbackServer(): Promise<{ server: Server; port: number; origin: string; close(): Promise<void> }> {
  const server = createServer();
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    origin: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface RunningApp {
  readonly url: string;
  readonly example: ExampleApp;
  close(): Promise<void>;
}

/** The example MCP app (stateful) on `listening`, protected by `auth` or (false) not at all. */
export function mountApp(listening: Awaited<ReturnType<typeof loopbackServer>>, auth: McpAuth | false): RunningApp {
  const example = auth === false ? createOpenExampleApp() : createExampleApp({ auth, mode: 'stateful' });
  listening.server.on('request', example.listener);
  return {
    url: `${listening.origin}/mcp`,
    example,
    async close() {
      await example.close();
      await listening.close();
      if (auth !== false) await auth.close();
    },
  };
}

/** `createExampleApp({ auth: false })`: the same example server with no authentication. */
function createOpenExampleApp(): ExampleApp {
  return createExampleApp({ auth: false, mode: 'stateful' });
}

/** An access token for `login` through the real authorization-code flow (DCR, PKCE, consent). */
export async function tokenFor(as: DevAuthorizationServer, resource: string, login: string, scope = 'mcp:tools'): Promise<string> {
  return (await obtainUserToken(as.issuer, { resource, login, scope })).access_token;
}

async function post(url: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** `Authorization` (and, for a DPoP-bound token, a fresh `DPoP` proof) for one set-up request. */
async function credentials(token: string, dpop: DpopProofSpec | undefined): Promise<Record<string, string>> {
  return dpop === undefined ? { authorization: `Bearer ${token}` } : { authorization: `DPoP ${token}`, dpop: await proof(dpop) };
}

/** initialize + notifications/initialized, once; returns the session id. */
export async function openSession(url: string, token: string, dpop?: DpopProofSpec): Promise<string> {
  const initialize = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'bench', version: '0' } },
  };
  const res = await post(url, initialize, await credentials(token, dpop));
  const sessionId = res.headers.get('mcp-session-id');
  if (res.status !== 200 || sessionId === null) throw new Error(`initialize failed: ${res.status} ${res.text}`);
  const done = await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, {
    ...(await credentials(token, dpop)),
    'mcp-session-id': sessionId,
    'mcp-protocol-version': PROTOCOL_VERSION,
  });
  if (done.status !== 202) throw new Error(`notifications/initialized failed: ${done.status} ${done.text}`);
  return sessionId;
}

export const whoamiBody = (id: number | string = 2) =>
  ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'whoami', arguments: {} } }) as const;

/**
 * The load target: `tools/call whoami` on an open session, the unique JSON-RPC id replaced per request. With
 * `dpop`, the token is DPoP-bound: `Authorization: DPoP …` and a fresh proof on every request.
 */
export async function whoamiTarget(name: string, url: string, token: string, dpop?: DpopProofSpec): Promise<HttpTarget> {
  const sessionId = await openSession(url, token, dpop);
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    authorization: `${dpop === undefined ? 'Bearer' : 'DPoP'} ${token}`,
    'mcp-session-id': sessionId,
    'mcp-protocol-version': PROTOCOL_VERSION,
  };
  const target: HttpTarget = { name, url, headers, body: JSON.stringify(whoamiBody('[<id>]')), ...(dpop !== undefined ? { dpop } : {}) };
  // One checked call before any load: the answer must be a JSON-RPC result.
  const res = await post(url, whoamiBody(1), { ...headers, ...(dpop !== undefined ? { dpop: await proof(dpop) } : {}) });
  const data = res.text.startsWith('{') ? res.text : (res.text.split('\n').find((l) => l.startsWith('data: ')) ?? '').slice(6);
  const parsed = JSON.parse(data) as { result?: { content?: Array<{ text: string }>; isError?: boolean } };
  if (res.status !== 200 || parsed.result === undefined) throw new Error(`${name}: whoami failed: ${res.status} ${res.text}`);
  return target;
}

/** The text of a whoami answer, for the notes (e.g. what the no-auth app answers). */
export async function whoamiText(target: HttpTarget): Promise<string> {
  const headers = target.dpop === undefined ? target.headers : { ...target.headers, dpop: await proof(target.dpop) };
  const res = await fetch(target.url, { method: 'POST', headers, body: target.body.replace('"[<id>]"', '99') });
  const text = await res.text();
  const data = text.startsWith('{') ? text : (text.split('\n').find((l) => l.startsWith('data: ')) ?? '').slice(6);
  const parsed = JSON.parse(data) as { result?: { content?: Array<{ text: string }>; isError?: boolean } };
  return `${parsed.result?.isError === true ? 'isError: ' : ''}${parsed.result?.content?.[0]?.text ?? '?'}`;
}

export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/** `tools/call whoami` as a 2026-07-28 client sends it: the protocol claim in `_meta`, no session. */
export const modernWhoamiBody = (id: number | string = 2) =>
  ({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: {
      name: 'whoami',
      arguments: {},
      _meta: {
        'io.modelcontextprotocol/protocolVersion': MODERN_PROTOCOL_VERSION,
        'io.modelcontextprotocol/clientCapabilities': {},
        'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '0' },
      },
    },
  }) as const;

/**
 * The load target for a 2026-07-28 server (SDK 2.x): `tools/call whoami` with the headers that era
 * requires (MCP-Protocol-Version, Mcp-Method, Mcp-Name), no session; one checked call first.
 */
export async function modernWhoamiTarget(name: string, url: string, token: string, dpop?: DpopProofSpec): Promise<HttpTarget> {
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    authorization: `${dpop === undefined ? 'Bearer' : 'DPoP'} ${token}`,
    'mcp-protocol-version': MODERN_PROTOCOL_VERSION,
    'mcp-method': 'tools/call',
    'mcp-name': 'whoami',
  };
  const target: HttpTarget = { name, url, headers, body: JSON.stringify(modernWhoamiBody('[<id>]')), ...(dpop !== undefined ? { dpop } : {}) };
  const res = await post(url, modernWhoamiBody(1), { ...headers, ...(dpop !== undefined ? { dpop: await proof(dpop) } : {}) });
  const data = res.text.startsWith('{') ? res.text : (res.text.split('\n').find((l) => l.startsWith('data: ')) ?? '').slice(6);
  let parsed: { result?: { content?: Array<{ text: string }>; isError?: boolean } } = {};
  try {
    parsed = JSON.parse(data) as typeof parsed;
  } catch {
    // reported below
  }
  if (res.status !== 200 || parsed.result === undefined || parsed.result.isError === true) {
    throw new Error(`${name}: 2026-07-28 whoami failed: ${res.status} ${res.text.slice(0, 300)}`);
  }
  return target;
}
