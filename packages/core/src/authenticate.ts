import { extractBearerToken, type CredentialSources } from './bearer.js';
import { InvalidRequestError, OriginNotAllowedError } from './errors.js';
import { operationsOf } from './operations.js';
import type { ScopePolicy } from './scopes.js';
import type { SessionBindings } from './sessions.js';
import type { AuthInfo, Principal } from './types.js';
import type { TokenVerifier } from './verify-token.js';

/** What an adapter knows about an incoming MCP request. */
export interface McpAuthRequest extends CredentialSources {
  /** HTTP method, upper case. */
  readonly method: string;
  /** `Mcp-Session-Id`, when present. */
  readonly sessionId?: string | undefined;
  /** `Mcp-Name` header, when present (2026-07-28 clients). */
  readonly mcpName?: string | undefined;
  /** `Mcp-Method` header, when present. */
  readonly mcpMethod?: string | undefined;
  /** The parsed JSON-RPC body, when already parsed (check it with `assertPlainJson` if a parser you do not control made it). */
  readonly body?: unknown;
  /**
   * Reads and parses the body (`parseJsonRpcBody`), when it has not been read yet. Called only once the
   * token, the session and the global scopes have passed, so a request without valid credentials is
   * refused without its body being read.
   */
  readonly readBody?: (() => Promise<unknown>) | undefined;
  /** `Origin` header, when present. */
  readonly origin?: string | undefined;
}

/** An authenticated request. */
export interface McpAuthSuccess {
  readonly principal: Principal;
  /** The SDK's `AuthInfo`: set it as `req.auth` so tools receive it as `extra.authInfo`. */
  readonly authInfo: AuthInfo;
  /** The body as read by `readBody` (or given as `body`): hand this very object to the transport. */
  readonly body: unknown;
  /**
   * When the credentials stop being acceptable, in milliseconds since the epoch: the token's `exp` plus
   * the validator's clock tolerance. A long-lived response (an SSE stream) must end by then.
   */
  readonly validUntil: number;
}

export interface PipelineParts {
  readonly resource: string;
  /** Absolute URL of the resource's RFC 9728 metadata (SDK 2.x `AuthInfo.resourceMetadataUrl`). */
  readonly resourceMetadataUrl: string;
  readonly originAllowed: (origin: string) => boolean;
  readonly verify: TokenVerifier;
  readonly sessions: SessionBindings;
  readonly policy: ScopePolicy;
  /** Seconds past `exp` the validator still accepts a token. */
  readonly clockToleranceSeconds: number;
}

/**
 * The request pipeline, in the order that keeps the cheap and the unauthenticated first: `Origin`, the
 * token, the session binding, the global scopes; only then the body is read, and the per-tool scopes
 * checked against the very object the transport will run.
 */
export function authenticator(parts: PipelineParts): (request: McpAuthRequest) => Promise<McpAuthSuccess> {
  const { originAllowed, verify, sessions, policy } = parts;
  const resource = new URL(parts.resource);
  const tolerance = parts.clockToleranceSeconds;
  return async (request) => {
    if (request.origin !== undefined && !originAllowed(request.origin)) {
      throw new OriginNotAllowedError(`origin ${request.origin} may not call this server`);
    }
    const token = extractBearerToken(request);
    const verified = verify(token);
    const principal = verified instanceof Promise ? await verified : verified;
    if (request.sessionId !== undefined) await sessions.assert(request.sessionId, principal);
    policy.assert(principal.scopes, []);
    const body = request.body !== undefined || request.readBody === undefined ? request.body : await request.readBody();
    const strict = policy.dependsOnOperations;
    if (strict && request.method === 'POST' && body === undefined) {
      throw new InvalidRequestError('Invalid Request: per-operation scopes apply and the JSON-RPC body could not be read', { jsonRpcCode: -32600 });
    }
    if (strict || request.mcpName !== undefined || request.mcpMethod !== undefined) {
      const operations = operationsOf({ mcpName: request.mcpName, mcpMethod: request.mcpMethod, body }, strict);
      if (operations.length > 0) policy.assert(principal.scopes, operations);
    }
    const authInfo: AuthInfo = {
      token,
      clientId: principal.clientId,
      scopes: [...principal.scopes],
      expiresAt: principal.expiresAt,
      resource,
      resourceMetadataUrl: parts.resourceMetadataUrl,
      extra: { principal },
    };
    return { principal, authInfo, body, validUntil: (principal.expiresAt + tolerance) * 1000 };
  };
}
