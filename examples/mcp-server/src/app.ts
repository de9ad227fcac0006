import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpAuth } from '@mcpgate/core';
import { authorizationServerMetadataMirror, protectedResourceMetadata, requireMcpAuth } from '@mcpgate/express-adapter';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import express, { type Request, type Response } from 'express';
import { buildMcpServer, type ExampleTools } from './mcp.js';

export interface ExampleAppOptions {
  /** The configured resource server, or `false` to serve the same tools without any authentication (benchmarks only). */
  readonly auth: McpAuth | false;
  /** `stateful` (default): sessions with `Mcp-Session-Id`; `stateless`: a fresh transport per request. */
  readonly mode?: 'stateful' | 'stateless';
  /** Path of the MCP endpoint. Default `/mcp`. */
  readonly path?: string;
  /** What the tools need (upstream credentials). */
  readonly tools?: ExampleTools;
}

export interface ExampleApp {
  readonly app: express.Express;
  listen(port: number, host: string): Promise<{ server: Server; port: number }>;
  /** Closes every open MCP session. */
  close(): Promise<void>;
}

function notFound(res: Response): void {
  res.status(404).json({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
}

/** The example MCP server as an Express app: metadata routes, `requireMcpAuth`, the SDK transport. */
export function createExampleApp(options: ExampleAppOptions): ExampleApp {
  const path = options.path ?? '/mcp';
  const tools = options.auth === false ? { ...options.tools, anonymous: true } : options.tools;
  const app = express();
  app.disable('x-powered-by');
  const transports = new Map<string, StreamableHTTPServerTransport>();
  if (options.auth !== false) app.use(protectedResourceMetadata(options.auth), authorizationServerMetadataMirror(options.auth));
  const protect = options.auth === false ? [] : [requireMcpAuth(options.auth)];

  const stateful = async (req: Request, res: Response): Promise<void> => {
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const transport = transports.get(sessionId);
      if (transport === undefined) return notFound(res);
      await transport.handleRequest(req, res, req.body);
      return;
    }
    if (req.method !== 'POST' || !isInitializeRequest(req.body)) {
      res.status(400).json({ jsonrpc: '2.0', error: { code: -32000, message: 'Bad Request: Mcp-Session-Id header is required' }, id: null });
      return;
    }
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        transports.set(id, transport);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) transports.delete(transport.sessionId);
    };
    await buildMcpServer(tools).connect(transport);
    await transport.handleRequest(req, res, req.body);
  };

  const stateless = async (req: Request, res: Response): Promise<void> => {
    if (req.method !== 'POST') {
      res.status(405).set('Allow', 'POST').json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed' }, id: null });
      return;
    }
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    const server = buildMcpServer(tools);
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  };

  const handler = options.mode === 'stateless' ? stateless : stateful;
  app.all(path, express.json({ limit: '4mb' }), ...protect, (req, res, next) => {
    handler(req, res).catch(next);
  });

  return {
    app,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        const server = app.listen(port, host, (error?: Error) => {
          if (error) return reject(error);
          resolve({ server, port: (server.address() as AddressInfo).port });
        });
      }),
    close: async () => {
      await Promise.all([...transports.values()].map((t) => t.close()));
      transports.clear();
    },
  };
}
