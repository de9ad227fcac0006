import { extractBearerToken, type CredentialSources } from './bearer.js';
import { errorResponse, type AuthErrorResponse } from './challenge.js';
import { Sealer, type EncryptionKeyInput } from './encryption.js';
import { InvalidRequestError, InvalidTokenError, OriginNotAllowedError, isMcpAuthError } from './errors.js';
import { guardStore } from './lib/guarded-store.js';
import { sha256 } from './lib/hash.js';
import { assertKnownOptions } from './lib/known-options.js';
import { rateLimitedWarn } from './lib/rate-limited.js';
import { memoryStore } from './memory-store.js';
import { canonicalResource, metadataLocations, type MetadataLocations, type ProtectedResourceMetadata } from './metadata.js';
import { ScopePolicy, toolNamesOf } from './scopes.js';
import { SessionBindings } from './sessions.js';
import { VerifiedTokenCache, type TokenCacheOptions } from './token-cache.js';
import type { AuthInfo, Principal, Store, TokenValidator } from './types.js';

/** Options of {@link createMcpAuth}. Invalid options throw a `TypeError` naming the option. */
export interface McpAuthOptions {
  /** Canonical URI of the MCP endpoint, e.g. `https://mcp.example.com/mcp`: the audience every token must carry. */
  readonly resource: string;
  /** Issuers of the authorization servers clients should use (RFC 9728 `authorization_servers`). */
  readonly authorizationServers: readonly string[];
  /** Turns tokens into principals: `jwtValidator(...)`, `introspectionValidator(...)` or your own. */
  readonly validator: TokenValidator;
  /** Where session bindings (and later credentials) live. Default: {@link memoryStore}. */
  readonly store?: Store;
  /** Scopes every request needs. Default none. */
  readonly requiredScopes?: readonly string[];
  /** Extra scopes per tool (step-up), e.g. `{ delete_page: ['mcp:admin'] }`. */
  readonly toolScopes?: Readonly<Record<string, readonly string[]>>;
  /** Scope hierarchy: `{ 'mcp:admin': ['mcp:tools'] }` means an admin token also satisfies `mcp:tools`. */
  readonly scopeImplies?: Readonly<Record<string, readonly string[]>>;
  /** `scopes_supported` in the metadata. Default: every scope named by `requiredScopes` and `toolScopes`. */
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
  /** Where warnings and unexpected validator failures go (never with token bytes). Default `console`. */
  readonly logger?: Pick<Console, 'warn' | 'error'>;
}

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

/** The configured resource server. Framework-neutral: adapters translate requests to it. */
export interface McpAuth {
  readonly resource: string;
  readonly metadata: ProtectedResourceMetadata;
  readonly metadataLocations: MetadataLocations;
  /** The store in use, wrapped with the key schema and timeouts. */
  readonly store: Store;
  /** Seals token material at rest; undefined when no `encryptionKey` was given (memory store only). */
  readonly sealer: Sealer | undefined;
  /**
   * Authenticates one request: credentials, token, scopes, session binding.
   * @throws an mcpgate error; turn it into an answer with {@link McpAuth.errorResponse}.
   */
  authenticate(request: McpAuthRequest): Promise<McpAuthSuccess>;
  /** The status, headers and JSON body for an error thrown by {@link McpAuth.authenticate}. */
  errorResponse(error: unknown): AuthErrorResponse;
  /** Binds a freshly minted session id to the principal that initialized it. */
  bindSession(sessionId: string, principal: Principal): Promise<void>;
  /** Forgets a session id (after DELETE). */
  unbindSession(sessionId: string): Promise<void>;
  /** Closes the store. */
  close(): Promise<void>;
}

/**
 * The composition root: validates the options once, at startup, and wires validator, store and policy.
 *
 * @example
 * ```ts
 * const auth = createMcpAuth({
 *   resource: 'https://mcp.example.com/mcp',
 *   authorizationServers: ['https://login.example.com'],
 *   validator: jwtValidator({ issuer: 'https://login.example.com' }),
 *   requiredScopes: ['mcp:tools'],
 * });
 * ```
 */
export function createMcpAuth(options: McpAuthOptions): McpAuth {
  if (typeof options !== 'object' || options === null) throw new TypeError('createMcpAuth needs an options object');
  assertKnownOptions(options, KNOWN_OPTIONS, 'createMcpAuth');
  const resource = canonicalResource(options.resource, 'resource');
  const authorizationServers = checkIssuers(options.authorizationServers);
  const validator = options.validator;
  if (typeof validator !== 'object' || validator === null || typeof validator.validate !== 'function') {
    throw new TypeError('validator must implement TokenValidator (validate(token, ctx))');
  }
  const requiredScopes = checkScopes(options.requiredScopes ?? [], 'requiredScopes');
  const toolScopes = options.toolScopes ?? {};
  if (typeof toolScopes !== 'object' || toolScopes === null) throw new TypeError('toolScopes must map tool names to scope arrays');
  for (const [tool, scopes] of Object.entries(toolScopes)) checkScopes(scopes, `toolScopes.${tool}`);
  for (const [scope, implied] of Object.entries(options.scopeImplies ?? {})) checkScopes(implied, `scopeImplies.${scope}`);
  const policy = new ScopePolicy({ requiredScopes, toolScopes, scopeImplies: options.scopeImplies ?? {} });
  const storeTimeoutMs = positive(options.storeTimeoutMs ?? 2_000, 'storeTimeoutMs');
  const sessionTtlMs = positive(options.sessionTtlMs ?? 24 * 3_600_000, 'sessionTtlMs');
  const rawStore = options.store ?? memoryStore();
  if (typeof rawStore !== 'object' || rawStore === null || typeof rawStore.get !== 'function' || typeof rawStore.add !== 'function') {
    throw new TypeError('store must implement Store (get, set, delete, add, deleteIfEquals, close)');
  }
  const logger = options.logger ?? console;
  if (typeof logger !== 'object' || logger === null || typeof logger.warn !== 'function' || typeof logger.error !== 'function') {
    throw new TypeError('logger must have warn and error methods');
  }
  const report = rateLimitedWarn((message) => logger.warn(message));
  const store = guardStore(rawStore, storeTimeoutMs, (error) => report(`store:${error.message}`, `[mcpgate] ${error.message}; answering 503`));
  const sealer = options.encryptionKey === undefined ? undefined : new Sealer(options.encryptionKey, 'encryptionKey');
  if (rawStore.persistent && sealer === undefined) {
    throw new TypeError(`encryptionKey is required with the persistent ${rawStore.kind} store: token material is sealed at rest`);
  }
  const validatorTtl = validator.maxCacheTtlMs;
  if (validatorTtl !== undefined && !(typeof validatorTtl === 'number' && validatorTtl >= 0)) {
    throw new TypeError('validator.maxCacheTtlMs must be a non-negative number of milliseconds');
  }
  if (options.tokenCache !== undefined && options.tokenCache !== false && (typeof options.tokenCache !== 'object' || options.tokenCache === null)) {
    throw new TypeError('tokenCache must be { maxEntries, maxTtlMs } or false');
  }
  const cacheOptions = options.tokenCache === false ? { maxEntries: 0 } : (options.tokenCache ?? {});
  const cache = new VerifiedTokenCache({
    ...cacheOptions,
    maxTtlMs: Math.min(cacheOptions.maxTtlMs ?? 5 * 60_000, validatorTtl ?? Infinity),
  });
  const tolerance = validator.clockToleranceSeconds ?? 0;
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0) {
    throw new TypeError('validator.clockToleranceSeconds must be a non-negative number of seconds');
  }
  const originAllowed = originPolicy(resource, options.allowedOrigins);

  const scopesSupported = options.scopesSupported
    ? checkScopes(options.scopesSupported, 'scopesSupported')
    : [...new Set([...requiredScopes, ...Object.values(toolScopes).flat()])];
  const metadata: ProtectedResourceMetadata = {
    resource,
    authorization_servers: authorizationServers,
    ...(scopesSupported.length > 0 ? { scopes_supported: scopesSupported.filter((s) => s !== 'offline_access') } : {}),
    bearer_methods_supported: ['header'],
    ...(options.resourceName !== undefined ? { resource_name: options.resourceName } : {}),
    ...(options.resourceDocumentation !== undefined ? { resource_documentation: options.resourceDocumentation } : {}),
  };
  const locations = metadataLocations(resource);
  const challenge = { resourceMetadataUrl: locations.url, defaultScopes: requiredScopes };
  const sessions = new SessionBindings(store, { ttlMs: sessionTtlMs, sealer, warn: (message) => report('session-renewal', message) });
  const resourceUrl = new URL(resource);
  const inFlight = new Map<string, Promise<Principal>>();

  const verify = (token: string): Principal | Promise<Principal> => {
    const key = sha256(token);
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    let pending = inFlight.get(key);
    if (pending === undefined) {
      pending = validator
        .validate(token, { resource })
        .then((principal) => {
          assertPrincipal(principal);
          const vouchedUntil =
            validatorTtl !== undefined && principal.verifiedAt !== undefined ? principal.verifiedAt * 1000 + validatorTtl : Infinity;
          cache.set(key, principal, Date.now(), vouchedUntil);
          return principal;
        })
        .finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  };

  return {
    resource,
    metadata,
    metadataLocations: locations,
    store,
    sealer,
    async authenticate(request) {
      if (request.origin !== undefined && !originAllowed(request.origin)) {
        throw new OriginNotAllowedError(`origin ${request.origin} may not call this server`);
      }
      const token = extractBearerToken(request);
      const verified = verify(token);
      const principal = verified instanceof Promise ? await verified : verified;
      if (request.sessionId !== undefined) await sessions.assert(request.sessionId, principal);
      policy.assert(principal.scopes, []);
      const body = request.body !== undefined || request.readBody === undefined ? request.body : await request.readBody();
      if (policy.dependsOnTools && request.method === 'POST' && body === undefined) {
        throw new InvalidRequestError('Invalid Request: per-tool scopes apply and the JSON-RPC body could not be read', { jsonRpcCode: -32600 });
      }
      if (policy.dependsOnTools || request.mcpName !== undefined) {
        const tools = toolNamesOf({ mcpName: request.mcpName, mcpMethod: request.mcpMethod, body }, policy.dependsOnTools);
        if (tools.length > 0) policy.assert(principal.scopes, tools);
      }
      const authInfo: AuthInfo = {
        token,
        clientId: principal.clientId,
        scopes: [...principal.scopes],
        expiresAt: principal.expiresAt,
        resource: resourceUrl,
        extra: { principal },
      };
      return { principal, authInfo, body, validUntil: (principal.expiresAt + tolerance) * 1000 };
    },
    errorResponse(error) {
      if (!isMcpAuthError(error)) {
        logger.error('[mcpgate] unexpected error while authenticating a request:', describe(error));
      }
      return errorResponse(error, challenge);
    },
    bindSession: (sessionId, principal) => sessions.bind(sessionId, principal),
    unbindSession: (sessionId) => sessions.unbind(sessionId),
    close: () => store.close(),
  };
}

const KNOWN_OPTIONS = [
  'resource',
  'authorizationServers',
  'validator',
  'store',
  'requiredScopes',
  'toolScopes',
  'scopeImplies',
  'scopesSupported',
  'resourceName',
  'resourceDocumentation',
  'tokenCache',
  'sessionTtlMs',
  'storeTimeoutMs',
  'allowedOrigins',
  'encryptionKey',
  'logger',
];

function assertPrincipal(principal: Principal): void {
  if (typeof principal !== 'object' || principal === null || typeof principal.subject !== 'string' || principal.subject === '') {
    throw new InvalidTokenError('the token names no subject', { reason: 'missing_claim', claim: 'sub' });
  }
  if (typeof principal.expiresAt !== 'number' || !Number.isFinite(principal.expiresAt)) {
    throw new InvalidTokenError('the token has no expiry', { reason: 'missing_claim', claim: 'exp' });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : typeof error;
}

function checkIssuers(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) throw new TypeError('authorizationServers must list at least one issuer URL');
  return value.map((issuer, i) => {
    if (typeof issuer !== 'string') throw new TypeError(`authorizationServers[${i}] must be a string`);
    try {
      const url = new URL(issuer);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('scheme');
    } catch {
      throw new TypeError(`authorizationServers[${i}] must be an absolute http(s) URL, got ${JSON.stringify(issuer)}`);
    }
    return issuer;
  });
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

function positive(value: unknown, option: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new TypeError(`${option} must be a positive number of milliseconds`);
  return value;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

function originPolicy(resource: string, allowed: readonly string[] | '*' | undefined): (origin: string) => boolean {
  if (allowed === '*') return () => true;
  if (allowed !== undefined && !Array.isArray(allowed)) throw new TypeError("allowedOrigins must be an array of origins or '*'");
  const own = new URL(resource);
  const list = new Set((allowed ?? [own.origin]).map((o) => o.replace(/\/$/, '')));
  const loopbackOk = allowed === undefined && LOOPBACK.has(own.hostname);
  return (origin) => {
    if (list.has(origin)) return true;
    if (!loopbackOk) return false;
    try {
      return LOOPBACK.has(new URL(origin).hostname);
    } catch {
      return false;
    }
  };
}
