import type { McpAuth } from '@mcpgate/core';
import type { ExampleTools } from '@mcpgate/example-mcp-server';
import { authorizationServerMetadataMirror, protectedResourceMetadata, withMcpAuth } from '@mcpgate/web';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { Hono } from 'hono';
import { buildMcpServer } from './mcp.js';

export interface ExampleAppV2Options {
  /** The configured resource server, or `false` to serve the same tools without any authentication (benchmarks only). */
  readonly auth: McpAuth | false;
  /** Path of the MCP endpoint. Default `/mcp`. */
  readonly path?: string;
  /** What the tools need (upstream credentials, the key ring of state handles). */
  readonly tools?: ExampleTools;
}

export interface ExampleAppV2 {
  /** The Hono app: serve it with `serve({ fetch: app.fetch })` from `@hono/node-server`, or export it on Bun, Deno or Workers. */
  readonly app: Hono;
  /** Closes the MCP handler (open streams). */
  close(): Promise<void>;
}

/**
 * The example MCP server on the SDK 2.x: `createMcpHandler` (2025-11-25 clients served statelessly,
 * 2026-07-28 clients natively) behind `@mcpgate/web` on Hono, with the RFC 9728 metadata and the RFC 8414
 * mirror on the same origin.
 */
export function createExampleAppV2(options: ExampleAppV2Options): ExampleAppV2 {
  const path = options.path ?? '/mcp';
  const auth = options.auth;
  const tools: ExampleTools = auth === false ? { ...options.tools, anonymous: true } : (options.tools ?? {});
  const handler = createMcpHandler(() => buildMcpServer(tools));
  const app = new Hono();
  if (auth === false) {
    app.all(path, (c) => handler.fetch(c.req.raw));
  } else {
    const metadata = protectedResourceMetadata(auth);
    const mirror = authorizationServerMetadataMirror(auth);
    const mcp = withMcpAuth(auth, (request, { authInfo, parsedBody }) => handler.fetch(request, { authInfo, parsedBody }));
    app.all('/.well-known/*', async (c) => metadata(c.req.raw) ?? (await mirror(c.req.raw)) ?? c.notFound());
    app.all(path, (c) => mcp(c.req.raw));
  }
  return { app, close: () => handler.close() };
}
