import type { McpAuthRequest } from '@mcpgate/core';
import { hasQueryToken } from '@mcpgate/core/internal';

const optional = (value: string | null): string | undefined => (value === null ? undefined : value);

/**
 * What mcpgate needs to know about a Web `Request`. `Headers` joins repeated `Authorization` headers
 * into one value ("a, b"), which the strict bearer parser refuses: two credentials never pass as one.
 */
export function toAuthRequest(request: Request, readBody: (() => Promise<unknown>) | undefined, body: unknown): McpAuthRequest {
  const authorization = request.headers.get('authorization');
  return {
    method: request.method,
    authorization: authorization === null ? [] : [authorization],
    tokenInQuery: hasQueryToken(request.url),
    sessionId: optional(request.headers.get('mcp-session-id')),
    mcpName: optional(request.headers.get('mcp-name')),
    mcpMethod: optional(request.headers.get('mcp-method')),
    origin: optional(request.headers.get('origin')),
    body,
    readBody,
  };
}
