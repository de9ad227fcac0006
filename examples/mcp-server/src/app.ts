import { randomUUID } from 'node:crypto';
import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
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
  /** The Express app: every route, the MCP endpoint included. */
  readonly app: express.Express;
  /**
   * What `main.ts` serves: the MCP endpoint straight from Node's `request` event, every other path through
   * `app`. Express swaps the prototypes of `req` and `res` on each request it handles, which slows every later
   * access to them (in Node's HTTP code and the SDK transport) by about a third of this server's CPU per request.
   */
  readonly listener: RequestListener;
  listen(port: number, host: string): Promise<{ server: Server; port: number }>;
  /** How many MCP sessions are live. */
  liveSessions(): number;
  /** Closes every open MCP session. */
  close(): Promise<void>;
}

// plain Node responses: the handlers also run outside Express (see `listener`)
function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

function notFound(res: ServerResponse): void {
  sendJson(res, 404, { jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
}

/** What Express's final handler would answer for an error passed to `next` (a body parser's 4xx, else 500), as JSON-RPC. */
function failed(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const status = (error as { status?: unknown } | null)?.status;
  const code = typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
  sendJson(res, code, { jsonrpc: '2.0', error: { code: code === 500 ? -32603 : -32000, message: code === 500 ? 'Internal error' : 'Bad Request' }, id: null });
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
      sendJson(res, 400, { jsonrpc: '2.0', error: { code: -32000, message: 'Bad Request: Mcp-Session-Id header is required' }, id: null });
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
      sendJson(res, 405, { jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed' }, id: null }, { Allow: 'POST' });
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
  // The same chain without Express for the exact MCP path; anything else (metadata, `/MCP`, `/mcp/`) goes to `app`.
  const [guard] = protect as [express.RequestHandler];
  const listener: RequestListener = (req, res) => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    if ((query < 0 ? url : url.slice(0, query)) !== path) return void app(req, res);
    // requireMcpAuth and express.json() use only Node's request and response API
    void guard(req as Request, res as Response, (error?: unknown) => {
      if (error !== undefined) return failed(res, error);
      handler(req as Request, res as Response).catch((e: unknown) => failed(res, e));
    });
  };

  return {
    app,
    listener,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        const server = createServer(listener);
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
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
