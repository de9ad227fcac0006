import type { McpAuth } from '@mcpgate/core';
import type { Request, Response } from 'express';

/**
 * Answers an mcpgate error with its status, challenge headers and JSON body. Never throws: when an answer
 * can no longer be written (headers already sent, a throwing logger), the connection is destroyed.
 * `closeConnection` adds `Connection: close`, for answers given before the request body was read.
 */
export function sendError(auth: McpAuth, res: Response, error: unknown, closeConnection = false): void {
  try {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const answer = auth.errorResponse(error);
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    res.setHeader('Content-Type', 'application/json');
    if (closeConnection) res.setHeader('Connection', 'close');
    res.statusCode = answer.status;
    res.end(JSON.stringify(answer.body));
  } catch {
    res.destroy();
  }
}

const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(?:[ \t]*,[ \t]*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;

/**
 * The common part of a public, read-only discovery document: CORS for any origin, the preflight, and
 * 405 for anything but GET/HEAD. Returns true when it has answered the request itself.
 */
export function answeredDiscoveryPreamble(req: Request, res: Response): boolean {
  res.setHeader('Access-Control-Allow-Origin', '*');
  if (req.method === 'OPTIONS') {
    const requested = req.headers['access-control-request-headers'];
    res.setHeader('Access-Control-Allow-Methods', 'GET, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', typeof requested === 'string' && HEADER_LIST.test(requested) ? requested : 'MCP-Protocol-Version');
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
