import { InvalidRequestError, OriginNotAllowedError, type McpAuth, type McpAuthSuccess } from '@mcpgate/core';
import { assertKnownOptions, corsHeaders, declaresBody, preflightHeaders } from '@mcpgate/core/internal';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { bindSessionOnResponse } from './lib/bind-on-initialize.js';
import { bodyTaken, readJsonRpcBody, replayBody, type BodyLimits } from './lib/body.js';
import { endWhenCredentialsExpire } from './lib/expiry.js';
import { isCorsPreflight, toAuthRequest } from './lib/request.js';
import { sendError } from './lib/respond.js';

export interface RequireMcpAuthOptions {
  /** Largest JSON-RPC body read, in bytes; a larger one is answered 413. Default 4 MiB (the SDK's own limit). */
  readonly bodyLimitBytes?: number;
  /** Longest the body may take to arrive once authentication has passed, in milliseconds; then 408. Default 10,000. */
  readonly bodyTimeoutMs?: number;
  /**
   * Answer CORS for the origins `auth` allows (`allowedOrigins`): preflights get 204 (or 403 for another
   * origin) and every answer to an allowed origin carries `Access-Control-Allow-Origin` and exposes
   * `WWW-Authenticate`, `Mcp-Session-Id`, `Mcp-Protocol-Version` and `DPoP-Nonce`. `false`: preflights pass
   * through to your own CORS middleware, unauthenticated. Default true.
   */
  readonly cors?: boolean;
}

/**
 * Authenticates every request to the MCP endpoint (POST, GET for SSE, DELETE): bearer token, session
 * binding, scopes (per tool, from the JSON-RPC body and `Mcp-Name`). On success `req.auth` holds the
 * SDK's `AuthInfo` and `req.body` the parsed JSON-RPC body; on failure the answer carries the status and
 * `WWW-Authenticate` challenge real MCP clients act on.
 *
 * - The token is checked before the body is read: a request without valid credentials gets its 401
 *   without its body being read (and the connection is closed).
 * - The body is parsed once, by mcpgate, exactly as the SDK would (UTF-8, byte-order mark, JSON), and
 *   refused when it could be read two ways (`__proto__` keys, compression, other charsets); hand
 *   `req.body` to `transport.handleRequest` so the tool the scopes were checked for is the tool that runs.
 *   Works with or without `express.json()` in front: a body it already parsed is checked the same way.
 * - Session ids minted by the transport are bound to the caller before the client sees them; DELETE
 *   unbinds.
 * - A response still open when the token expires (an SSE stream) is ended then.
 * - CORS for the origins `auth` allows: a preflight is answered here (204, or 403 for another origin),
 *   and every answer to an allowed origin exposes the challenge and the session id (`cors: false` leaves
 *   preflights to your own middleware, unauthenticated). Any other `OPTIONS` is authenticated. A GET,
 *   DELETE or OPTIONS that carries a body is refused (400).
 * - Works in front of the SDK 1.x transport (`transport.handleRequest(req, res, req.body)`) and of SDK 2.x
 *   `toNodeHandler(createMcpHandler(...))`, with or without a body parser: the checked body is handed on as
 *   `req.body` and replayed to whatever reads the request stream again.
 *
 * @example
 * ```ts
 * app.all('/mcp', requireMcpAuth(auth), (req, res) => transport.handleRequest(req, res, req.body));
 * ```
 */
export function requireMcpAuth(auth: McpAuth, options: RequireMcpAuthOptions = {}): RequestHandler {
  assertKnownOptions(options, ['bodyLimitBytes', 'bodyTimeoutMs', 'cors'], 'requireMcpAuth');
  const cors = options.cors ?? true;
  if (typeof cors !== 'boolean') throw new TypeError('requireMcpAuth: cors must be a boolean');
  const limits: BodyLimits = {
    limitBytes: positiveInteger(options.bodyLimitBytes ?? 4 * 1024 * 1024, 'bodyLimitBytes'),
    timeoutMs: positiveInteger(options.bodyTimeoutMs ?? 10_000, 'bodyTimeoutMs'),
  };

  const succeed = (req: Request, res: Response, next: NextFunction, result: McpAuthSuccess): void => {
    req.auth = result.authInfo;
    setHeaders(res, result.headers);
    if (req.method === 'POST') replayBody(req, result.body);
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId !== 'string') {
      // SDK transports mint a session id only on an initialize response
      if (req.method === 'POST' && opensSession(result.body)) bindSessionOnResponse(auth, res, result.principal);
    } else if (req.method === 'DELETE') {
      res.on('finish', () => {
        if (res.statusCode < 300) auth.unbindSession(sessionId).catch(() => undefined);
      });
    }
    if (req.method !== 'DELETE') endWhenCredentialsExpire(res, result.validUntil);
    next();
  };

  return (req: Request, res: Response, next: NextFunction) => {
    const origin = req.headers.origin;
    if (isCorsPreflight(req)) {
      if (!cors) return next();
      if (typeof origin === 'string' && auth.isOriginAllowed(origin)) {
        const requested = req.headers['access-control-request-headers'];
        setHeaders(res, preflightHeaders(origin, typeof requested === 'string' ? requested : undefined));
        res.statusCode = 204;
        res.end();
      } else {
        sendError(auth, res, new OriginNotAllowedError('origin not allowed'), !req.complete);
      }
      return;
    }
    if (cors && typeof origin === 'string' && auth.isOriginAllowed(origin)) setHeaders(res, corsHeaders(origin));
    if (req.method !== 'POST' && hasBody(req)) {
      sendError(auth, res, new InvalidRequestError(`a ${req.method} request to the MCP endpoint carries no body`), true);
      return;
    }
    const readBody = req.method === 'POST' ? () => readJsonRpcBody(req, limits) : undefined;
    let request;
    try {
      request = toAuthRequest(req, readBody);
    } catch (error) {
      sendError(auth, res, error, true);
      return;
    }
    auth
      .authenticate(request)
      .then(
        (result) => succeed(req, res, next, result),
        // a body left unread (refused before reading, too large, too slow) is not drained: the connection closes
        (error: unknown) => sendError(auth, res, error, !bodyTaken(req)),
      )
      .catch((error: unknown) => {
        // next() or the response plumbing threw: answer if still possible, never leave a rejection unhandled
        sendError(auth, res, error, true);
      });
  };
}

/** Node's own header API (not Express's `res.set`): cheaper, and the middleware also runs on a plain `http` response. */
function setHeaders(res: Response, headers: Readonly<Record<string, string>>): void {
  for (const name in headers) res.setHeader(name, headers[name] as string);
}

/** Whether a body is, or holds, an `initialize` request: the only request a transport answers with a new session id. */
function opensSession(body: unknown): boolean {
  const messages: readonly unknown[] = Array.isArray(body) ? body : [body];
  return messages.some((m) => typeof m === 'object' && m !== null && (m as { method?: unknown }).method === 'initialize');
}

const hasBody = (req: Request): boolean => declaresBody(req.headers['content-length'], req.headers['transfer-encoding']);

function positiveInteger(value: unknown, option: string): number {
  if (!Number.isInteger(value) || (value as number) <= 0) throw new TypeError(`requireMcpAuth: ${option} must be a positive integer`);
  return value as number;
}
