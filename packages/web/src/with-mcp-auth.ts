import { InvalidRequestError, OriginNotAllowedError, type AuthInfo, type McpAuth, type McpAuthSuccess, type Principal } from '@mcpgate/core';
import { assertKnownOptions, booleanOption, corsHeaders, declaresBody, isPreflight, numberOption, preflightHeaders } from '@mcpgate/core/internal';
import { checkParsedBody, readJsonRpcBody } from './lib/body.js';
import { endAtExpiry } from './lib/expiry.js';
import { errorResponse, withHeaders } from './lib/respond.js';
import { toAuthRequest } from './lib/request.js';

/** What the protected handler receives besides the request. */
export interface McpHandlerExtra {
  /** The SDK's `AuthInfo`: pass it to `createMcpHandler(...).fetch(request, { authInfo, parsedBody })`. */
  readonly authInfo: AuthInfo;
  /**
   * The JSON-RPC body mcpgate checked (POST), exactly the object to dispatch; undefined for GET and DELETE. The
   * request's own body has been read by then: dispatch this.
   */
  readonly parsedBody: unknown;
  readonly principal: Principal;
}

/** The MCP handler behind {@link withMcpAuth}: typically `(request, { authInfo, parsedBody }) => handler.fetch(request, { authInfo, parsedBody })`. */
export type McpFetchHandler = (request: Request, extra: McpHandlerExtra) => Response | Promise<Response>;

/** Options of {@link withMcpAuth}. Unknown keys throw a `TypeError`. */
export interface WithMcpAuthOptions {
  /** Largest JSON-RPC body read, in bytes; a larger one is answered 413. Default 4 MiB (the SDK's own limit). */
  readonly bodyLimitBytes?: number;
  /** Longest the body may take to arrive once authentication has passed, in milliseconds; then 408. Default 10,000. */
  readonly bodyTimeoutMs?: number;
  /** Answer CORS for the origins `auth` allows (preflights, and headers a browser client must read). Default true. */
  readonly cors?: boolean;
}

/** Per call: a body a framework already parsed (Hono's `c.req.json()`), checked like one read here. */
export interface McpAuthCallOptions {
  readonly parsedBody?: unknown;
}

/**
 * Protects an MCP endpoint on a Web-standard runtime (SDK 2.x `createMcpHandler`, Hono, Cloudflare
 * Workers, Deno, Bun, Next.js route handlers), with the pipeline of the Express adapter:
 *
 * - `Origin`, the bearer token, the session binding and the global scopes are checked before the body is
 *   read; a request without valid credentials is answered without its body being read.
 * - The body is read within limits and parsed once, exactly as the SDK parses it; per-tool, per-resource
 *   and per-prompt scopes are checked against that object, `Mcp-Method` / `Mcp-Name` cross-checked with it.
 *   The handler gets that very object (`parsedBody`) and the request, whose body has been read: hand
 *   `parsedBody` on (`handler.fetch(request, { authInfo, parsedBody })`); do not read the body again.
 * - A response that mints `Mcp-Session-Id` (a sessionful transport) is held until the session is bound to
 *   the caller; a 2xx DELETE unbinds. An event stream ends when the token expires.
 * - CORS for the origins `auth` allows; every refusal carries the status and challenge MCP clients act on.
 *
 * @example
 * ```ts
 * const mcp = withMcpAuth(auth, (request, { authInfo, parsedBody }) => handler.fetch(request, { authInfo, parsedBody }));
 * app.all('/mcp', (c) => mcp(c.req.raw)); // Hono
 * ```
 */
export function withMcpAuth(
  auth: McpAuth,
  handler: McpFetchHandler,
  options: WithMcpAuthOptions = {},
): (request: Request, call?: McpAuthCallOptions) => Promise<Response> {
  assertKnownOptions(options, ['bodyLimitBytes', 'bodyTimeoutMs', 'cors'], 'withMcpAuth');
  if (typeof handler !== 'function') throw new TypeError('withMcpAuth: handler must be a function (request, { authInfo, parsedBody }) => Response');
  const limits = {
    limitBytes: numberOption(options.bodyLimitBytes, 'bodyLimitBytes', 4 * 1024 * 1024, { sign: 'positive', integer: true, unit: 'bytes' }),
    timeoutMs: numberOption(options.bodyTimeoutMs, 'bodyTimeoutMs', 10_000, { sign: 'positive', integer: true, unit: 'milliseconds' }),
  };
  const cors = booleanOption(options.cors, 'cors', true);

  const serve = async (request: Request, call: McpAuthCallOptions, allowed: Readonly<Record<string, string>>): Promise<Response> => {
    if (request.method !== 'POST' && declaresBody(request.headers.get('content-length'), request.headers.get('transfer-encoding'))) {
      throw new InvalidRequestError(`a ${request.method} request to the MCP endpoint carries no body`);
    }
    const given = call.parsedBody;
    const readBody = request.method === 'POST' && given === undefined ? () => readJsonRpcBody(request, limits) : undefined;
    if (given !== undefined) checkParsedBody(request, given);
    const result = await auth.authenticate(toAuthRequest(request, readBody, given));
    // the request itself, not a copy carrying the bytes again (a second Request costs about a fifth of an SDK 2.x
    // call): the handler dispatches parsedBody, the very object checked here
    const response = await handler(request, { authInfo: result.authInfo, parsedBody: result.body, principal: result.principal });
    return settle(auth, request, response, result, allowed);
  };

  return async (request, call = {}) => {
    const origin = request.headers.get('origin') ?? undefined;
    const allowed = cors && origin !== undefined && auth.isOriginAllowed(origin) ? corsHeaders(origin) : {};
    try {
      if (isPreflight(request.method, origin, request.headers.get('access-control-request-method') ?? undefined) && cors) {
        if (origin === undefined || !auth.isOriginAllowed(origin)) throw new OriginNotAllowedError('origin not allowed');
        return new Response(null, { status: 204, headers: preflightHeaders(origin, request.headers.get('access-control-request-headers') ?? undefined) });
      }
      return await serve(request, call, allowed);
    } catch (error) {
      if (request.body !== null && !request.bodyUsed) request.body.cancel().catch(() => undefined);
      return errorResponse(auth, error, allowed);
    }
  };
}

/** Binds a minted session before the client sees it, unbinds on DELETE, ends an event stream at expiry, adds CORS. */
async function settle(auth: McpAuth, request: Request, response: Response, result: McpAuthSuccess, allowed: Readonly<Record<string, string>>): Promise<Response> {
  const sessionId = request.headers.get('mcp-session-id');
  const minted = response.headers.get('mcp-session-id');
  const ok = response.status >= 200 && response.status < 300;
  if (sessionId === null && minted !== null && ok) {
    try {
      await auth.bindSession(minted, result.principal);
    } catch (error) {
      await response.body?.cancel().catch(() => undefined);
      return errorResponse(auth, error, allowed);
    }
  }
  if (sessionId !== null && request.method === 'DELETE' && ok) auth.unbindSession(sessionId).catch(() => undefined);
  const streamed = response.headers.get('content-type')?.startsWith('text/event-stream') === true ? endAtExpiry(response, result.validUntil) : response;
  const added = { ...result.headers, ...allowed };
  return Object.keys(added).length === 0 ? streamed : withHeaders(streamed, added);
}
