/**
 * Helpers for the end-to-end upstream-credentials tests: the example app in-process WITH its upstream
 * tools (built through the product's own `loadConfig` + `setupAuth`, as `main.ts` does), and raw
 * JSON-RPC calls of `connect_upstream` / `upstream_whoami` over HTTP with a real MCP token.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { approveDeviceCode, startDevAuthorizationServer, type DevAuthorizationServer, type DevAuthorizationServerOptions } from '@mcpgate/example-dev-authorization-server';
import { createExampleApp, loadConfig, setupAuth, type AuthSetup, type ExampleApp } from '@mcpgate/example-mcp-server';
import { openSession, post, rpcResult } from './stack.js';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface UpstreamStack {
  readonly as: DevAuthorizationServer;
  readonly setup: AuthSetup;
  readonly example: ExampleApp;
  readonly resource: string;
  readonly mcpUrl: string;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/**
 * A real dev AS (short upstream token lifetime by default) and the example MCP server in-process, with
 * `MCP_AUTH_STORE=memory` and `MCP_AUTH_ISSUER` = the dev AS, so the upstream client is the dev AS's
 * device client (the example's default when the upstream issuer is the dev AS).
 */
export async function startUpstreamStack(asOptions: Partial<DevAuthorizationServerOptions> = {}, env: Record<string, string> = {}): Promise<UpstreamStack> {
  const server = createServer();
  const port = await listen(server);
  const resource = `http://127.0.0.1:${port}/mcp`;
  const as = await startDevAuthorizationServer({ resource, upstreamAccessTokenTtlSeconds: 2, ...asOptions });
  const config = loadConfig({ HOST: '127.0.0.1', PORT: String(port), MCP_RESOURCE: resource, MCP_AUTH_ISSUER: as.issuer, MCP_AUTH_STORE: 'memory', ...env });
  const setup = await setupAuth(config, as.issuer, as);
  const example = createExampleApp({ auth: setup.auth, tools: setup.tools });
  server.on('request', example.app);
  return {
    as,
    setup,
    example,
    resource,
    mcpUrl: resource,
    async close() {
      await example.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await setup.close();
      await as.close();
    },
  };
}

export interface ToolResult {
  readonly text: string;
  readonly isError: boolean;
}

let nextId = 100;

/** An MCP session over raw JSON-RPC as the holder of `token`. */
export async function mcpSession(mcpUrl: string, token: string): Promise<{ call(name: string): Promise<ToolResult> }> {
  const sessionId = await openSession(mcpUrl, token);
  const headers = { authorization: `Bearer ${token}`, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' };
  return {
    async call(name) {
      const id = nextId++;
      const res = await post(mcpUrl, { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } }, headers);
      if (res.status !== 200) throw new Error(`tools/call ${name} answered ${res.status}: ${res.text}`);
      const message = rpcResult(res.text);
      if (message.result === undefined) throw new Error(`tools/call ${name} failed: ${JSON.stringify(message.error)}`);
      return { text: message.result.content?.[0]?.text ?? '', isError: message.result.isError === true };
    },
  };
}

export interface DevicePrompt {
  verification_uri: string;
  verification_uri_complete: string;
  user_code: string;
  expires_in: number;
}

/** `connect_upstream`, approval as `login` at the dev AS, then polls `upstream_whoami` until it succeeds. */
export async function connectUpstream(
  session: { call(name: string): Promise<ToolResult> },
  login: string,
  timeoutMs = 15_000,
): Promise<{ prompt: DevicePrompt; whoami: Record<string, unknown>; polls: number }> {
  const started = await session.call('connect_upstream');
  if (started.isError) throw new Error(`connect_upstream failed: ${started.text}`);
  const prompt = JSON.parse(started.text) as DevicePrompt;
  await approveDeviceCode(prompt.verification_uri_complete, { login });
  const deadline = Date.now() + timeoutMs;
  let polls = 0;
  for (;;) {
    const result = await session.call('upstream_whoami');
    polls++;
    if (!result.isError) return { prompt, whoami: JSON.parse(result.text) as Record<string, unknown>, polls };
    if (!result.text.includes('connect_upstream')) throw new Error(`upstream_whoami failed unexpectedly: ${result.text}`);
    if (Date.now() > deadline) throw new Error(`upstream never connected: ${result.text}`);
    await sleep(250);
  }
}

/** Calls `upstream_whoami` every 250 ms until `done(result)` holds; returns that result. */
export async function whoamiUntil(
  session: { call(name: string): Promise<ToolResult> },
  done: (result: ToolResult) => boolean,
  timeoutMs = 15_000,
): Promise<ToolResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await session.call('upstream_whoami');
    if (done(result)) return result;
    if (Date.now() > deadline) throw new Error(`upstream_whoami never got there: ${result.text}`);
    await sleep(250);
  }
}
