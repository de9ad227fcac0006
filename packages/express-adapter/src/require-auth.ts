import type { McpAuth } from '@mcpgate/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { bindSessionOnResponse } from './lib/bind-on-initialize.js';
import { BodyTooLargeError, readJsonBody } from './lib/body.js';
import { toAuthRequest } from './lib/request.js';
import { sendError } from './lib/respond.js';

export interface RequireMcpAuthOptions {
  /** Largest JSON-RPC body read to find tool names when no body parser ran before, in bytes. Default 4 MiB. */
  readonly bodyLimitBytes?: number;
}

/**
 * Authenticates every request to the MCP endpoint (POST, GET for SSE, DELETE): bearer token, scopes
 * (per tool from `Mcp-Name` or the JSON-RPC body), and the session binding. On success `req.auth` holds
 * the SDK's `AuthInfo`; on failure the answer carries the status and `WWW-Authenticate` challenge real
 * MCP clients act on. Session ids minted by the transport are bound to the caller before the client
 * sees them; DELETE unbinds.
 *
 * Works with or without `express.json()` in front; without it, the body is read here and handed to the
 * SDK transport as `req.rawBody`. `OPTIONS` (CORS preflight, which never carries credentials) passes
 * through untouched: put your CORS middleware in front, exposing `WWW-Authenticate` and `Mcp-Session-Id`.
 *
 * @example
 * ```ts
 * app.all('/mcp', requireMcpAuth(auth), (req, res) => transport.handleRequest(req, res, req.body));
 * ```
 */
export function requireMcpAuth(auth: McpAuth, options: RequireMcpAuthOptions = {}): RequestHandler {
  const limit = options.bodyLimitBytes ?? 4 * 1024 * 1024;
  if (!Number.isInteger(limit) || limit <= 0) throw new TypeError('bodyLimitBytes must be a positive integer');


  const proceed = (req: Request, res: Response, next: NextFunction, body: unknown): void => {
    const request = toAuthRequest(req, body);
    auth.authenticate(request).then(
      (result) => {
        req.auth = result.authInfo;
        if (request.sessionId === undefined) {
          if (req.method === 'POST') bindSessionOnResponse(auth, res, result.principal);
        } else if (req.method === 'DELETE') {
          const sessionId = request.sessionId;
          res.on('finish', () => {
            if (res.statusCode < 300) auth.unbindSession(sessionId).catch(() => undefined);
          });
        }
        next();
      },
      (error: unknown) => sendError(auth, res, error),
    );
  };

  return (req: Request, res: Response, next: NextFunction) => {
    // CORS preflights carry no credentials by design: they are your CORS middleware's to answer.
    if (req.method === 'OPTIONS') return next();
    if (req.method !== 'POST' || req.body !== undefined || req.readableEnded) {
      proceed(req, res, next, req.method === 'POST' ? (req.body as unknown) : undefined);
      return;
    }
    readJsonBody(req, limit).then(
      (body) => proceed(req, res, next, body),
      (error: unknown) => {
        res.statusCode = error instanceof BodyTooLargeError ? 413 : 400;
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error: unreadable request body' }, id: null }));
      },
    );
  };
}
