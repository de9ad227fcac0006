import type { McpAuth } from '@mcpgate/core';
import type { Request, Response } from 'express';

/** Answers an mcpgate error with its status, challenge headers and JSON body. */
export function sendError(auth: McpAuth, res: Response, error: unknown): void {
  const answer = auth.errorResponse(error);
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', 'application/json');
  res.statusCode = answer.status;
  res.end(JSON.stringify(answer.body));
}

/**
 * The common part of a public, read-only discovery document: CORS for any origin, the preflight, and
 * 405 for anything but GET/HEAD. Returns true when it has answered the request itself.
 */
export function answeredDiscoveryPreamble(req: Request, res: Response): boolean {
  res.setHeader('Access-Control-Allow-Origin', '*');
  if (req.method === 'OPTIONS') {
    res.setHeader('Access-Control-Allow-Methods', 'GET, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', String(req.headers['access-control-request-headers'] ?? 'MCP-Protocol-Version'));
    res.setHeader('Access-Control-Max-Age', '86400');
    res.statusCode = 204;
    res.end();
    return true;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD, OPTIONS');
    res.statusCode = 405;
    res.end();
    return true;
  }
  return false;
}

/** A discovery document (JSON text), cacheable by anyone for `maxAgeSeconds`; no body for HEAD. */
export function sendDiscoveryDocument(req: Request, res: Response, json: string, maxAgeSeconds: number): void {
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Cache-Control', `public, max-age=${maxAgeSeconds}`);
  res.statusCode = 200;
  res.end(req.method === 'HEAD' ? undefined : json);
}
