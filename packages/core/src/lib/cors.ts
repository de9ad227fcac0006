/**
 * CORS for the MCP endpoint, for origins the resource's `Origin` policy allows (browser-based MCP
 * clients: the MCP Inspector's direct mode, web apps). No credentials mode: MCP carries its token in
 * `Authorization`, never in cookies.
 */

/** Request headers an MCP client sends (2025-11-25 and 2026-07-28, DPoP included). */
export const MCP_REQUEST_HEADERS = 'Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Mcp-Method, Mcp-Name, Last-Event-ID, DPoP';
/** Response headers a browser client must be able to read: the challenge, the session, the nonce. */
export const MCP_EXPOSED_HEADERS = 'WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version, DPoP-Nonce, Retry-After';

const TOKEN_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(?:[ \t]*,[ \t]*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;

/** The headers of any answer to an allowed `origin`. */
export function corsHeaders(origin: string): Record<string, string> {
  return { 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': MCP_EXPOSED_HEADERS, Vary: 'Origin' };
}

/**
 * The headers of the answer (204) to a preflight from an allowed `origin`. The requested headers are
 * allowed as asked when they form a valid header list (so `Mcp-Param-*` headers pass); otherwise the
 * MCP headers are listed.
 */
export function preflightHeaders(origin: string, requestedHeaders: string | undefined, methods = 'GET, POST, DELETE, OPTIONS'): Record<string, string> {
  return {
    ...corsHeaders(origin),
    'Access-Control-Allow-Methods': methods,
    'Access-Control-Allow-Headers': requestedHeaders !== undefined && TOKEN_LIST.test(requestedHeaders) ? requestedHeaders : MCP_REQUEST_HEADERS,
    'Access-Control-Max-Age': '86400',
  };
}

/** A CORS preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`. It never carries credentials. */
export function isPreflight(method: string, origin: string | undefined, requestMethod: string | undefined): boolean {
  return method === 'OPTIONS' && origin !== undefined && requestMethod !== undefined;
}
