import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { principalOf, type McpAuth } from '@mcpgate/core';
import { authorizationServerMetadataMirror, protectedResourceMetadata, requireMcpAuth } from '@mcpgate/express-adapter';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import express, { type Request, type Response } from 'express';
import { reportLiveSessions } from './live-sessions-gauge.js';
import { buildMcpServer, type ExampleTools } from './mcp.js';
import { SessionRegistry, type SessionLimits } from './session-registry.js';

export interface ExampleAppOptions {
  /** The configured resource server, or `false` to serve the same tools without any authentication (benchmarks only). */
  readonly auth: McpAuth | false;
  /** `stateful` (default): sessions with `Mcp-Session-Id`; `stateless`: a fresh transport per request. */
  readonly mode?: 'stateful' | 'stateless';
  /** Path of the MCP endpoint. Default `/mcp`. */
  readonly path?: string;
  /** What the tools need (upstream credentials). */
  readonly tools?: ExampleTools;
  /** Idle timeout and caps of live sessions (stateful mode). Match `idleTimeoutMs` with `createMcpAuth`'s `sessionTtlMs`. */
  readonly sessions?: SessionLimits;
}

export interface ExampleApp {
  readonly app: express.Express;
  listen(port: number, host: string): Promise<{ server: Server; port: number }>;
  /** How many MCP sessions are live. */
  liveSessions(): number;
  /** Closes every open MCP session. */
  close(): Promise<void>;
}

function notFound(res: Response): void {
  res.status(404).json({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
}

/** The example MCP server as an Express app: metadata routes, `requireMcpAuth`, the SDK transport. */
export function createExampleApp(options: ExampleAppOptions): ExampleApp {
  const path = options.path ?? '/mcp';
  // the tools seal state handles with mcpgate's key ring (undefined with a memory store and no key: a per-process key)
  const tools = options.auth === false ? { ...options.tools, anonymous: true } : { sealer: options.auth.sealer, ...options.tools };
  const app = express();
  app.disable('x-powered-by');
  const auth = options.auth;
  // a session closed for idleness or a cap is unbound too; at shutdown the bindings stay (they outlive restarts)
  const sessions = new SessionRegistry(options.sessions, (id) => {
    if (auth !== false) auth.unbindSession(id).catch(() => undefined);
  });
  if (auth !== false) app.use(protectedResourceMetadata(auth), authorizationServerMetadataMirror(auth));
  // requireMcpAuth reads and checks the body itself, after the token: no body parser in front of it.
  const protect = auth === false ? [express.json({ limit: '4mb' })] : [requireMcpAuth(auth)];
  const ownerOf = (req: Request): string => {
    if (auth === false) return 'anonymous';
    const principal = principalOf(req.auth);
    return `${principal.issuer}\n${principal.subject}`;
  };

  const stateful = async (req: Request, res: Response): Promise<void> => {
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const transport = sessions.use(sessionId);
      if (transport === undefined) return notFound(res);
      await transport.handleRequest(req, res, req.body);
      return;
    }
    if (req.method !== 'POST' || !isInitializeRequest(req.body)) {
      res.status(400).json({ jsonrpc: '2.0', error: { code: -32000, message: 'Bad Request: Mcp-Session-Id header is required' }, id: null });
      return;
    }
    const owner = ownerOf(req);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.add(id, transport, owner);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
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
  // the observable gauge mcpgate.example.sessions.live (a no-op without an OpenTelemetry SDK)
  const stopReporting = options.mode === 'stateless' ? () => undefined : reportLiveSessions(() => sessions.size);
  app.all(path, ...protect, (req, res, next) => {
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
    liveSessions: () => sessions.size,
    close: () => {
      stopReporting();
      return sessions.close();
    },
  };
}
