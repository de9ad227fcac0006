import { resolveDpop, type DpopMode, type DpopOptions, type ResolvedDpop } from './dpop/options.js';
import { Sealer, type EncryptionKeyInput } from './encryption.js';
import { assertKnownOptions } from './lib/known-options.js';
import { loggerOption, numberOption } from './lib/option-values.js';
import { memoryStore } from './memory-store.js';
import { canonicalResource } from './metadata.js';
import { originPolicy } from './origin-policy.js';
import type { RateLimitOptions } from './rate-limit.js';
import { ScopePolicy, type ScopeMap } from './scopes.js';
import { safeListener, type McpAuthEventListener } from './telemetry/events.js';
import { VerifiedTokenCache, type TokenCacheOptions } from './token-cache.js';
import type { Logger, Store, TokenValidator } from './types.js';

/** Options of {@link createMcpAuth}. Invalid or unknown options throw a `TypeError` naming the option. */
export interface McpAuthOptions {
  /** Canonical URI of the MCP endpoint, e.g. `https://mcp.example.com/mcp`: the audience every token must carry. */
  readonly resource: string;
  /** Issuers of the authorization servers clients should use (RFC 9728 `authorization_servers`). */
  readonly authorizationServers: readonly string[];
  /** Turns tokens into principals: `jwtValidator(...)`, `introspectionValidator(...)` or your own. */
  readonly validator: TokenValidator;
  /** Where session bindings (and upstream credentials) live. Default: {@link memoryStore}. */
  readonly store?: Store;
  /** Scopes every request needs. Default none. */
  readonly requiredScopes?: readonly string[];
  /** Extra scopes per tool (step-up), e.g. `{ delete_page: ['mcp:admin'] }`. */
  readonly toolScopes?: ScopeMap;
  /**
   * Extra scopes per resource read (`resources/read`), by URI or RFC 6570 URI template, e.g.
   * `{ 'file:///reports/{name}': ['reports:read'] }`. A URI matching several entries needs all their scopes.
   */
  readonly resourceScopes?: ScopeMap;
  /** Extra scopes per prompt (`prompts/get`), by name. */
  readonly promptScopes?: ScopeMap;
  /** Scope hierarchy: `{ 'mcp:admin': ['mcp:tools'] }` means an admin token also satisfies `mcp:tools`. */
  readonly scopeImplies?: ScopeMap;
  /** `scopes_supported` in the metadata. Default: every scope named by `requiredScopes` and the tool, resource and prompt scopes. */
  readonly scopesSupported?: readonly string[];
  /** Human-readable name (RFC 9728 `resource_name`). */
  readonly resourceName?: string;
  /** URL of human-readable documentation (RFC 9728 `resource_documentation`). */
  readonly resourceDocumentation?: string;
  /** Verified-token cache sizing, or `false` to validate every request from scratch. */
  readonly tokenCache?: TokenCacheOptions | false;
  /**
   * How long a session binding lives without use, in milliseconds: each use renews it (rewritten at
   * most every 5 minutes, or a quarter of this time when shorter). Default 24 hours.
   */
  readonly sessionTtlMs?: number;
  /**
   * Most sessions one principal (issuer + subject) keeps bound through this process: binding one more
   * unbinds the principal's least recently used (its requests then get 404, and the client starts a new
   * session). Keeps one user from filling the store with bindings. Default 100.
   */
  readonly maxSessionsPerPrincipal?: number;
  /** Longest any store call may take before the request fails closed with 503, in milliseconds. Default 2,000. */
  readonly storeTimeoutMs?: number;
  /**
   * Origins allowed to call the endpoint from a browser (`Origin` header; DNS-rebinding protection).
   * Requests without `Origin` are not affected. Default: the resource's own origin, plus any loopback
   * origin when the resource itself is on loopback. `'*'` turns the check off.
   */
  readonly allowedOrigins?: readonly string[] | '*';
  /**
   * Key(s) sealing token material at rest (AES-256-GCM): base64 of 32 bytes, or `{ id, key }`; the first
   * seals, all open (rotation). Required when the store is persistent.
   */
  readonly encryptionKey?: EncryptionKeyInput | readonly EncryptionKeyInput[];
  /** Where warnings (store outages) and unexpected validator failures go, never with token bytes. Default `console`. */
  readonly logger?: Logger;
  /**
   * DPoP, sender-constrained tokens (RFC 9449): `'allowed'` (default) accepts `Bearer` tokens and
   * DPoP-bound tokens with a proof; `'required'` accepts only the latter; `'off'` only `Bearer`. A token
   * bound to a key (`cnf.jkt`) is never accepted as a bearer token. An object sets the mode and the rules
   * (`algorithms`, `proofMaxAgeSeconds`, `requireNonce`).
   */
  readonly dpop?: DpopMode | DpopOptions;
  /**
   * Per-principal rate limit, e.g. `{ limit: 120, windowMs: 60_000 }`: token buckets in `store`, so
   * instances sharing it share the limit; over it, 429 with `Retry-After`. Needs a store with
   * `setIfEquals` (memory, SQLite and Redis have it). A store outage answers 503, never "unlimited".
   */
  readonly rateLimit?: RateLimitOptions;
  /**
   * Receives the audit trail: one typed event per security-relevant fact (refusals with their reason,
   * step-up, session binding, rate limiting, operations let through). See `McpAuthEvent`;
   * `jsonLinesAuditLog` writes them as JSON lines.
   */
  readonly onEvent?: McpAuthEventListener;
}

/** The options of {@link createMcpAuth}, checked, with defaults filled in. */
export interface ResolvedAuthOptions {
  readonly resource: string;
  readonly authorizationServers: string[];
  readonly validator: TokenValidator;
  readonly store: Store;
  readonly requiredScopes: string[];
  readonly scopesSupported: string[];
  readonly policy: ScopePolicy;
  readonly tokenCache: VerifiedTokenCache;
  readonly sessionTtlMs: number;
  readonly maxSessionsPerPrincipal: number;
  readonly storeTimeoutMs: number;
  readonly originAllowed: (origin: string) => boolean;
  readonly sealer: Sealer | undefined;
  readonly logger: Logger;
  /** The validator's clock tolerance, in seconds. */
  readonly clockToleranceSeconds: number;
  readonly resourceName: string | undefined;
  readonly resourceDocumentation: string | undefined;
  readonly dpop: ResolvedDpop;
  readonly rateLimit: RateLimitOptions | undefined;
  readonly onEvent: McpAuthEventListener | undefined;
}

const KNOWN_OPTIONS = Object.keys({
  resource: true,
  authorizationServers: true,
  validator: true,
  store: true,
  requiredScopes: true,
  toolScopes: true,
  resourceScopes: true,
  promptScopes: true,
  scopeImplies: true,
  scopesSupported: true,
  resourceName: true,
  resourceDocumentation: true,
  tokenCache: true,
  sessionTtlMs: true,
  maxSessionsPerPrincipal: true,
  storeTimeoutMs: true,
  allowedOrigins: true,
  encryptionKey: true,
  logger: true,
  dpop: true,
  rateLimit: true,
  onEvent: true,
} satisfies Record<keyof McpAuthOptions, true>);

/** Checks every option of {@link createMcpAuth} once, at startup; throws a `TypeError` naming the first bad one. */
export function resolveAuthOptions(options: McpAuthOptions): ResolvedAuthOptions {
  assertKnownOptions(options, KNOWN_OPTIONS, 'createMcpAuth');
  const resource = canonicalResource(options.resource, 'resource');
  const validator = options.validator;
  if (typeof validator !== 'object' || validator === null || typeof validator.validate !== 'function') {
    throw new TypeError('validator must implement TokenValidator (validate(token, ctx))');
  }
  const requiredScopes = checkScopes(options.requiredScopes ?? [], 'requiredScopes');
  const toolScopes = checkScopeMap(options.toolScopes, 'toolScopes');
  const resourceScopes = checkScopeMap(options.resourceScopes, 'resourceScopes');
  const promptScopes = checkScopeMap(options.promptScopes, 'promptScopes');
  const scopeImplies = checkScopeMap(options.scopeImplies, 'scopeImplies');
  for (const uri of Object.keys(resourceScopes)) {
    if (!URL.canParse(uri.replace(/\{[^}]*\}/g, 'x'))) throw new TypeError(`resourceScopes: ${JSON.stringify(uri)} is neither an absolute URI nor a URI template`);
  }
  const logger = loggerOption(options.logger);
  const store = options.store ?? memoryStore({ logger });
  if (typeof store !== 'object' || store === null || typeof store.get !== 'function' || typeof store.add !== 'function') {
    throw new TypeError('store must implement Store (get, set, delete, add, deleteIfEquals, close)');
  }
  const sealer = options.encryptionKey === undefined ? undefined : new Sealer(options.encryptionKey, 'encryptionKey');
  if (store.persistent && sealer === undefined) {
    throw new TypeError(`encryptionKey is required with the persistent ${store.kind} store: token material is sealed at rest`);
  }
  const scopesSupported = options.scopesSupported
    ? checkScopes(options.scopesSupported, 'scopesSupported')
    : [...new Set([...requiredScopes, ...[toolScopes, resourceScopes, promptScopes].flatMap((map) => Object.values(map).flat())])];
  return {
    resource,
    authorizationServers: checkIssuers(options.authorizationServers),
    validator,
    store,
    requiredScopes,
    scopesSupported,
    policy: new ScopePolicy({ requiredScopes, toolScopes, resourceScopes, promptScopes, scopeImplies }),
    tokenCache: tokenCacheFor(options.tokenCache, validator),
    sessionTtlMs: numberOption(options.sessionTtlMs, 'sessionTtlMs', 24 * 3_600_000, { sign: 'positive', unit: 'milliseconds' }),
    maxSessionsPerPrincipal: numberOption(options.maxSessionsPerPrincipal, 'maxSessionsPerPrincipal', 100, { sign: 'positive', integer: true }),
    storeTimeoutMs: numberOption(options.storeTimeoutMs, 'storeTimeoutMs', 2_000, { sign: 'positive', unit: 'milliseconds' }),
    originAllowed: originPolicy(resource, options.allowedOrigins),
    sealer,
    logger,
    clockToleranceSeconds: numberOption(validator.clockToleranceSeconds, 'validator.clockToleranceSeconds', 0, { sign: 'non-negative', unit: 'seconds' }),
    resourceName: options.resourceName,
    resourceDocumentation: options.resourceDocumentation,
    dpop: resolveDpop(options.dpop, sealer),
    rateLimit: options.rateLimit,
    onEvent: safeListener(options.onEvent),
  };
}

function tokenCacheFor(option: TokenCacheOptions | false | undefined, validator: TokenValidator): VerifiedTokenCache {
  const validatorTtl = numberOption(validator.maxCacheTtlMs, 'validator.maxCacheTtlMs', Infinity, { sign: 'non-negative', unit: 'milliseconds' });
  if (option !== undefined && option !== false && (typeof option !== 'object' || option === null)) {
    throw new TypeError('tokenCache must be { maxEntries, maxTtlMs } or false');
  }
  const cacheOptions = option === false ? { maxEntries: 0 } : (option ?? {});
  return new VerifiedTokenCache({ ...cacheOptions, maxTtlMs: Math.min(cacheOptions.maxTtlMs ?? 5 * 60_000, validatorTtl) });
}

function checkIssuers(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) throw new TypeError('authorizationServers must list at least one issuer URL');
  return value.map((issuer, i) => {
    if (typeof issuer !== 'string') throw new TypeError(`authorizationServers[${i}] must be a string`);
    if (!URL.canParse(issuer) || !/^https?:$/.test(new URL(issuer).protocol)) {
      throw new TypeError(`authorizationServers[${i}] must be an absolute http(s) URL, got ${JSON.stringify(issuer)}`);
    }
    return issuer;
  });
}

function checkScopeMap(value: unknown, option: string): ScopeMap {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${option} must map names to scope arrays`);
  for (const [name, scopes] of Object.entries(value)) checkScopes(scopes, `${option}.${name}`);
  return value as ScopeMap;
}

function checkScopes(value: unknown, option: string): string[] {
  if (!Array.isArray(value)) throw new TypeError(`${option} must be an array of scope strings`);
  for (const scope of value) {
    if (typeof scope !== 'string' || !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope)) {
      throw new TypeError(`${option} contains an invalid scope ${JSON.stringify(scope)}`);
    }
  }
  return [...new Set(value as string[])];
}
