import type { Logger, Sealer, Store } from '@mcpgate/core';

/**
 * How the resource server authenticates to the introspection endpoint (RFC 7662 §2.1).
 * `private_key_jwt` is reserved for a later release: it needs key options of its own.
 */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post';

/** Options of {@link introspectionValidator}. Every option is checked at construction; a bad one throws `TypeError`. */
export interface IntrospectionValidatorOptions {
  /** The authorization server's `issuer`, exactly. Used for discovery and to check the response's `iss`. */
  readonly issuer: string;
  /** The introspection endpoint. Default: `introspection_endpoint` discovered from `issuer` (RFC 8414, then OpenID discovery). */
  readonly endpoint?: string;
  /** Client id of this resource server at the authorization server. */
  readonly clientId: string;
  /** Client secret of this resource server. */
  readonly clientSecret: string;
  /** Client authentication. Default `client_secret_basic`. */
  readonly clientAuthMethod?: ClientAuthMethod;
  /** Longest an active answer is reused, in seconds (never past the token's `exp`). Default 60. This is the revocation lag. */
  readonly cacheTtlSeconds?: number;
  /** How long a refusal (inactive token, unacceptable claims) is reused, in seconds; 0 disables. Default 5. */
  readonly negativeCacheTtlSeconds?: number;
  /**
   * Refuse active answers that carry no `aud`. Default true: without an audience, a token the same
   * authorization server issued for another resource server would be accepted here. `false` accepts such
   * answers (and logs one warning at construction); an `aud` that is present is always checked.
   */
  readonly requireAudience?: boolean;
  /** Longest one introspection (or discovery) call may take, in milliseconds. Default 5,000. */
  readonly timeoutMs?: number;
  /** `fetch` to use (proxies, tests). Default the global `fetch`. */
  readonly fetch?: typeof fetch;
  /**
   * Where answers are cached, keyed by the SHA-256 of the token. Default an in-process `memoryStore()`.
   * A persistent store (Redis, SQLite) also needs `sealer`: whoever can write there could otherwise forge answers.
   */
  readonly cache?: Store;
  /**
   * Seals cached answers with AES-256-GCM, bound to their store key (which holds the token's SHA-256), so
   * an entry written by anyone else, or copied from another token's key, is ignored. Required when
   * `cache` is persistent. Build it from your encryption key with `createSealer` from `@mcpgate/core`.
   *
   * @example
   * ```ts
   * introspectionValidator({ ..., cache: redisStore(url), sealer: createSealer(process.env.MCP_AUTH_ENCRYPTION_KEY!) });
   * ```
   */
  readonly sealer?: Sealer;
  /**
   * Largest introspection answer or discovery document read, in bytes (of the body). A larger one is
   * refused as an authorization-server fault (503), with a warning. Default 65,536 (64 KiB).
   */
  readonly maxResponseBytes?: number;
  /** `Retry-After` of the 503 answered when the authorization server cannot be reached, in seconds. Default 5. */
  readonly retryAfterSeconds?: number;
  /** Where the few operational warnings go (cache down, client rejected); never with token bytes. Default `console`. */
  readonly logger?: Logger;
}
