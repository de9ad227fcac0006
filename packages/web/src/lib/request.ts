import type { McpAuthRequest } from '@mcpgate/core';
import { hasQueryToken } from '@mcpgate/core/internal';

const optional = (value: string | null): string | undefined => (value === null ? undefined : value);

/**
 * What mcpgate needs to know about a Web `Request`. `Headers` joins repeated `Authorization` (or
 * `DPoP`) headers into one value ("a, b"), which the strict parsers refuse: two never pass as one.
 */
export function toAuthRequest(request: Request, readBody: (() => Promise<unknown>) | undefined, body: unknown): McpAuthRequest {
  const authorization = request.headers.get('authorization');
  const dpop = request.headers.get('dpop');
  return {
    method: request.method,
    // repeated DPoP headers arrive joined ("a, b"): not a compact JWS, so refused like two headers
    authorization: authorization === null ? [] : [authorization],
    dpop: dpop === null ? [] : [dpop],
    tokenInQuery: hasQueryToken(request.url),
    sessionId: optional(request.headers.get('mcp-session-id')),
    mcpName: optional(request.headers.get('mcp-name')),
    mcpMethod: optional(request.headers.get('mcp-method')),
    origin: optional(request.headers.get('origin')),
    body,
    readBody,
  };
}
