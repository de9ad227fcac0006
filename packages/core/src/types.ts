/**
 * The contracts every strategy implements. Write your own validator, store or refresher against these.
 */

/**
 * Where mcpgate reports what an operator should know: `warn` for degraded operation (a store outage, an
 * authorization server refusing this client), `error` for a bug-shaped failure (a validator that threw
 * something unexpected). Messages are single lines and never carry token bytes or secrets. `console`
 * fits, and so do pino and winston loggers. Every mcpgate factory that reports anything takes it as
 * its `logger` option.
 */
export interface Logger {
  warn(message: string): void;
  error(message: string): void;
}

/** JSON-serialisable values: the only thing a {@link Store} holds. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Who made a request, as established by a {@link TokenValidator}. */
export interface Principal {
  /** Issuer of the token (the authorization server's `issuer`, exactly). */
  readonly issuer: string;
  /** The user (or client, for client-credentials tokens) the token speaks for; stable across refreshes. */
  readonly subject: string;
  /** The OAuth client that obtained the token (`client_id` / `azp`); empty string when the token names none. */
  readonly clientId: string;
  /** Scopes granted to the token. */
  readonly scopes: readonly string[];
  /** Expiry of the token, in seconds since the epoch. */
  readonly expiresAt: number;
  /** Audiences the token carries. */
  readonly audience: readonly string[];
  /** Every claim of the token (JWT payload or introspection response). */
  readonly claims: Readonly<Record<string, unknown>>;
  /**
   * The JWK SHA-256 thumbprint (RFC 7638) of the key the token is bound to: its `cnf.jkt` (RFC 9449 §6),
   * filled in by mcpgate from `claims`. A token bound to a key is accepted only with the `DPoP` scheme and
   * a proof signed by that key, checked on every request.
   */
  readonly jkt?: string;
  /**
   * When the authority last vouched for the token, in seconds since the epoch (introspection: the time of
   * the call). With the validator's `maxCacheTtlMs`, bounds how long the verdict may be reused.
   */
  readonly verifiedAt?: number;
}

/** What a validator learns about the request besides the token. */
export interface ValidationContext {
  /** The canonical resource URI of this server: the audience every token must carry. */
  readonly resource: string;
  /** Aborts the validation when the request goes away. */
  readonly signal?: AbortSignal;
}

/**
 * Turns a bearer token into a {@link Principal}.
 *
 * - Resolve with the principal when the token is acceptable for `ctx.resource` (audience checked!).
 * - Reject with `InvalidTokenError` when it is not (answered 401 `invalid_token`).
 * - Reject with `ServiceUnavailableError` when a dependency cannot be reached (answered 503).
 * Any other rejection is treated as a server error (500) and logged without the token.
 */
export interface TokenValidator {
  /** Short name for logs, e.g. `jwt` or `introspection`. */
  readonly kind: string;
  /**
   * Longest time, in milliseconds, mcpgate may reuse a verdict of this validator without asking it again
   * (for introspection: its cache lifetime, which is the revocation lag). Absent: until the token's `exp`,
   * capped by `tokenCache.maxTtlMs`.
   */
  readonly maxCacheTtlMs?: number;
  /**
   * Clock skew the validator tolerates past `exp`, in seconds. A long-lived response opened with a token
   * (an SSE stream) is ended this long after the token's `exp`. Default 0.
   */
  readonly clockToleranceSeconds?: number;
  validate(token: string, ctx: ValidationContext): Promise<Principal>;
}

/**
 * Async key/value storage for bindings, caches and credentials.
 *
 * Implementers: keys arrive already namespaced and versioned by mcpgate (`mcpgate:v1:…`); apply your
 * own prefix on top. Values are JSON; return a structurally equal copy. Expired values must never be
 * returned. Every method may reject; mcpgate bounds each call by a timeout and fails closed (503).
 */
export interface Store {
  /** Short name for logs, e.g. `memory`, `sqlite`, `redis`. */
  readonly kind: string;
  /** True when values outlive the process; mcpgate then requires an encryption key for token material. */
  readonly persistent: boolean;
  /** The value under `key`, or `undefined` when absent or expired. */
  get<T extends JsonValue = JsonValue>(key: string): Promise<T | undefined>;
  /** Stores `value` under `key`; `ttlMs` is the time to live in milliseconds (absent: no expiry). */
  set(key: string, value: JsonValue, ttlMs?: number): Promise<void>;
  /** Removes `key`; resolves true when something was removed. */
  delete(key: string): Promise<boolean>;
  /**
   * Atomically stores `value` only if `key` holds nothing (or only an expired value); `ttlMs` in
   * milliseconds, required so a crashed holder never blocks forever. Resolves true when stored.
   * Redis: `SET key value NX PX ttl`; SQL: insert in a transaction.
   */
  add(key: string, value: JsonValue, ttlMs: number): Promise<boolean>;
  /**
   * Atomically removes `key` only if it currently holds `expected` (compared as JSON). Resolves true
   * when removed. Used to release a lock only by its owner.
   */
  deleteIfEquals(key: string, expected: JsonValue): Promise<boolean>;
  /**
   * Atomically replaces the value of `key` with `value` (time to live `ttlMs`, in milliseconds) only if it
   * currently holds `expected` (compared as JSON, unexpired). Resolves true when replaced. Optional: rate
   * limits need it (Redis: a Lua compare-and-set; SQL: a conditional `UPDATE`).
   */
  setIfEquals?(key: string, expected: JsonValue, value: JsonValue, ttlMs: number): Promise<boolean>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/** A set of upstream tokens held for one principal. Times in seconds since the epoch. */
export interface UpstreamTokenSet {
  readonly accessToken: string;
  readonly tokenType: string;
  readonly refreshToken?: string;
  /** Access-token expiry, seconds since the epoch; absent when the upstream AS did not say. */
  readonly expiresAt?: number;
  readonly scope?: string;
  readonly idToken?: string;
}

/**
 * Renews an upstream token set (`refresh_token` grant). Implementations must keep the old refresh token
 * when the response carries none, and reject with `ReconnectRequiredError` on `invalid_grant`.
 */
export interface TokenRefresher {
  refresh(current: UpstreamTokenSet, options?: { signal?: AbortSignal }): Promise<UpstreamTokenSet>;
}

/**
 * The SDK's `AuthInfo` shape (`@modelcontextprotocol/sdk/server/auth/types.js`), so tool handlers read
 * `extra.authInfo`. mcpgate puts the {@link Principal} in `extra.principal`.
 */
export interface AuthInfo {
  token: string;
  clientId: string;
  scopes: string[];
  /** Seconds since the epoch. */
  expiresAt?: number;
  resource?: URL;
  /** Absolute URL of this resource's RFC 9728 metadata (SDK 2.x reads it for its own scope challenges). */
  resourceMetadataUrl?: string;
  extra?: Record<string, unknown>;
}
