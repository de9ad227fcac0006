import type { McpAuthRequest } from '@mcpgate/core';
import type { Request } from 'express';

export function authorizationHeaders(req: Request): string[] {
  const values: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if ((raw[i] as string).length === 13 && (raw[i] as string).toLowerCase() === 'authorization') values.push(raw[i + 1] as string);
  }
  return values;
}

function hasQueryToken(url: string): boolean {
  const q = url.indexOf('?');
  if (q === -1 || !url.includes('access_token', q)) return false;
  return new URLSearchParams(url.slice(q + 1)).has('access_token');
}

function hasBodyToken(req: Request): boolean {
  const type = req.headers['content-type'];
  if (typeof type !== 'string' || !type.toLowerCase().startsWith('application/x-www-form-urlencoded')) return false;
  const body: unknown = req.body;
  return typeof body === 'object' && body !== null && 'access_token' in body;
}

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

export function toAuthRequest(req: Request, body: unknown): McpAuthRequest {
  return {
    method: req.method,
    authorization: authorizationHeaders(req),
    tokenInQuery: hasQueryToken(req.originalUrl ?? req.url),
    tokenInBody: hasBodyToken(req),
    sessionId: header(req, 'mcp-session-id'),
    mcpName: header(req, 'mcp-name'),
    mcpMethod: header(req, 'mcp-method'),
    origin: header(req, 'origin'),
    body,
  };
}
