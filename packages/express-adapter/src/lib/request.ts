import type { McpAuthRequest } from '@mcpgate/core';
import { hasQueryToken, isPreflight } from '@mcpgate/core/internal';
import type { Request } from 'express';

export function authorizationHeaders(req: Request): string[] {
  const values: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if ((raw[i] as string).length === 13 && (raw[i] as string).toLowerCase() === 'authorization') values.push(raw[i + 1] as string);
  }
  return values;
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
    authorization: authorizationHeaders(req),
    tokenInQuery: hasQueryToken(req.originalUrl ?? req.url),
    sessionId: header(req, 'mcp-session-id'),
    mcpName: header(req, 'mcp-name'),
    mcpMethod: header(req, 'mcp-method'),
    origin: header(req, 'origin'),
    readBody,
  };
}
