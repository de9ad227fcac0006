import type { McpAuthRequest } from '@mcpgate/core';
import { hasQueryToken, isPreflight } from '@mcpgate/core/internal';
import type { Request } from 'express';

/**
 * Every `Authorization` and `DPoP` header value, in order, from `rawHeaders`: Node keeps only the first
 * `Authorization` in `req.headers` and joins repeated `DPoP` headers, so two would otherwise go unnoticed.
 */
export function credentialHeaders(req: Request): { authorization: string[]; dpop: string[] } {
  const authorization: string[] = [];
  const dpop: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 13 && name.toLowerCase() === 'authorization') authorization.push(raw[i + 1] as string);
    else if (name.length === 4 && name.toLowerCase() === 'dpop') dpop.push(raw[i + 1] as string);
  }
  return { authorization, dpop };
}


function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** A CORS preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`. It never carries credentials. */
export function isCorsPreflight(req: Request): boolean {
  return isPreflight(req.method, req.headers.origin, header(req, 'access-control-request-method'));
}

export function toAuthRequest(req: Request, readBody: (() => Promise<unknown>) | undefined): McpAuthRequest {
  return {
    method: req.method,
    ...credentialHeaders(req),
    tokenInQuery: hasQueryToken(req.originalUrl ?? req.url),
    sessionId: header(req, 'mcp-session-id'),
    mcpName: header(req, 'mcp-name'),
    mcpMethod: header(req, 'mcp-method'),
    origin: header(req, 'origin'),
    readBody,
  };
}
