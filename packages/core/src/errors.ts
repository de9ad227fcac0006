/**
 * Coded errors. Match on `code` (stable strings), not only on `instanceof`: a project can end up with two
 * copies of `@mcpgate/core` in its dependency tree.
 */

/** Every code an mcpgate error can carry. */
export const MCP_AUTH_ERROR_CODES = [
  'ERR_NO_CREDENTIALS',
  'ERR_INVALID_REQUEST',
  'ERR_INVALID_TOKEN',
  'ERR_INSUFFICIENT_SCOPE',
  'ERR_SESSION_NOT_FOUND',
  'ERR_ORIGIN_NOT_ALLOWED',
  'ERR_UNAVAILABLE',
  'ERR_RECONNECT_REQUIRED',
  'ERR_INVALID_DPOP_PROOF',
  'ERR_USE_DPOP_NONCE',
  'ERR_RATE_LIMITED',
] as const;

/** A code an mcpgate error can carry. */
export type McpAuthErrorCode = (typeof MCP_AUTH_ERROR_CODES)[number];

/** The authentication scheme a request used: its challenge carries the error (RFC 9449 §7.2). */
export type AuthScheme = 'Bearer' | 'DPoP';

/** Why a token was refused; carried on {@link InvalidTokenError} for logs and metrics, never sent to clients. */
export type InvalidTokenReason =
  | 'malformed'
  | 'signature'
  | 'algorithm'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'missing_claim'
  | 'audience'
  | 'issuer'
  | 'type'
  | 'inactive'
  | 'unknown_key'
  | 'binding'
  | 'other';

/** Base class of every error mcpgate throws for a request outcome. */
export class McpAuthError extends Error {
  readonly code: McpAuthErrorCode = 'ERR_INVALID_TOKEN';
  /** The scheme the request authenticated with, when known: the challenge of that scheme carries the error. */
  scheme: AuthScheme | undefined;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = this.constructor.name;
  }
}

/** The request carried no credentials at all (RFC 6750 §3.1: the challenge carries no error code). */
export class NoCredentialsError extends McpAuthError {
  override readonly code = 'ERR_NO_CREDENTIALS' as const;
}

/** HTTP statuses a malformed request is answered with. */
export type InvalidRequestStatus = 400 | 408 | 413 | 415;

/**
 * The request is malformed: a bad `Authorization` header, a token in the query string, two methods at
 * once, or a body that cannot be read unambiguously (bad JSON, prototype-poisoning keys, a compressed or
 * non-UTF-8 body, too large, too slow).
 */
export class InvalidRequestError extends McpAuthError {
  override readonly code = 'ERR_INVALID_REQUEST' as const;
  /** A JSON-RPC error code to answer with instead of an OAuth error body (e.g. -32020 for header/body mismatch). */
  readonly jsonRpcCode: number | undefined;
  /** The HTTP status of the answer. Default 400. */
  readonly status: InvalidRequestStatus;

  constructor(message: string, options?: { cause?: unknown; jsonRpcCode?: number; status?: InvalidRequestStatus }) {
    super(message, options);
    this.jsonRpcCode = options?.jsonRpcCode;
    this.status = options?.status ?? 400;
  }
}

/** The token is not acceptable: bad signature, expired, wrong audience or issuer, revoked, inactive. */
export class InvalidTokenError extends McpAuthError {
  override readonly code = 'ERR_INVALID_TOKEN' as const;
  readonly reason: InvalidTokenReason;
  /** The claim at fault, when one is. */
  readonly claim: string | undefined;

  constructor(message: string, options?: { cause?: unknown; reason?: InvalidTokenReason; claim?: string }) {
    super(message, options);
    this.reason = options?.reason ?? 'other';
    this.claim = options?.claim;
  }
}

/** The token is valid but lacks scopes. `requiredScopes` lists every scope the operation needs. */
export class InsufficientScopeError extends McpAuthError {
  override readonly code = 'ERR_INSUFFICIENT_SCOPE' as const;
  readonly requiredScopes: readonly string[];

  constructor(message: string, requiredScopes: readonly string[], options?: { cause?: unknown }) {
    super(message, options);
    this.requiredScopes = requiredScopes;
  }
}

/** The `Mcp-Session-Id` is unknown, or bound to another principal; answered exactly like an unknown session. */
export class SessionNotFoundError extends McpAuthError {
  override readonly code = 'ERR_SESSION_NOT_FOUND' as const;
}

/** The `Origin` header names an origin that may not call this server (DNS-rebinding protection). */
export class OriginNotAllowedError extends McpAuthError {
  override readonly code = 'ERR_ORIGIN_NOT_ALLOWED' as const;
}

/**
 * A dependency (authorization server, JWKS, introspection endpoint, store) could not be reached in time.
 * Answered with 503 and `Retry-After`, never 401: a 401 would send clients into a useless re-login loop.
 */
export class ServiceUnavailableError extends McpAuthError {
  override readonly code = 'ERR_UNAVAILABLE' as const;
  /** Seconds the client should wait before retrying. */
  readonly retryAfter: number;
  /** Which dependency failed, e.g. `jwks`, `discovery`, `introspection`, `store`. */
  readonly dependency: string;

  constructor(message: string, options: { dependency: string; retryAfter?: number; cause?: unknown }) {
    super(message, options);
    this.dependency = options.dependency;
    this.retryAfter = options.retryAfter ?? 5;
  }
}

/** The upstream credentials of a user are gone or refused (`invalid_grant`): the user must connect again. */
export class ReconnectRequiredError extends McpAuthError {
  override readonly code = 'ERR_RECONNECT_REQUIRED' as const;
}

/** Why a DPoP proof was refused; for logs and metrics, never sent to clients beyond a fixed description. */
export type InvalidDpopProofReason =
  | 'malformed'
  | 'type'
  | 'algorithm'
  | 'signature'
  | 'private_key'
  | 'missing_claim'
  | 'method'
  | 'uri'
  | 'time'
  | 'ath'
  | 'replay'
  | 'nonce';

/** The DPoP proof (RFC 9449 §4.3) is missing parts, malformed, for another request, stale, or replayed: 401 `invalid_dpop_proof`. */
export class InvalidDpopProofError extends McpAuthError {
  override readonly code = 'ERR_INVALID_DPOP_PROOF' as const;
  readonly reason: InvalidDpopProofReason;

  constructor(message: string, options: { reason: InvalidDpopProofReason; cause?: unknown }) {
    super(message, options);
    this.reason = options.reason;
    this.scheme = 'DPoP';
  }
}

/** The proof carries no server nonce, or an old one (RFC 9449 §9): 401 `use_dpop_nonce` with a fresh `DPoP-Nonce`. */
export class UseDpopNonceError extends McpAuthError {
  override readonly code = 'ERR_USE_DPOP_NONCE' as const;
  /** The nonce the client must put in its next proof. */
  readonly nonce: string;

  constructor(message: string, nonce: string) {
    super(message);
    this.nonce = nonce;
    this.scheme = 'DPoP';
  }
}

/** The principal went over its rate limit: 429 with `Retry-After`. */
export class RateLimitedError extends McpAuthError {
  override readonly code = 'ERR_RATE_LIMITED' as const;
  /** Seconds until a request would be let through again. */
  readonly retryAfter: number;

  constructor(message: string, retryAfter: number) {
    super(message);
    this.retryAfter = retryAfter;
  }
}

/** True when `value` is an mcpgate error (by shape, so it also works across duplicated packages). */
export function isMcpAuthError(value: unknown): value is McpAuthError {
  if (!(value instanceof Error)) return false;
  const code: unknown = (value as Error & { code?: unknown }).code;
  return typeof code === 'string' && CODES.has(code);
}

const CODES: ReadonlySet<string> = new Set(MCP_AUTH_ERROR_CODES);
