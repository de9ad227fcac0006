import { authenticator, type McpAuthRequest, type McpAuthSuccess } from './authenticate.js';
import { errorResponse, type AuthErrorResponse } from './challenge.js';
import type { Sealer } from './encryption.js';
import { isMcpAuthError } from './errors.js';
import { guardStore } from './lib/guarded-store.js';
import { rateLimitedWarn } from './lib/rate-limited.js';
import { metadataLocations, protectedResourceMetadataOf, type MetadataLocations, type ProtectedResourceMetadata } from './metadata.js';
import { resolveAuthOptions, type McpAuthOptions } from './options.js';
import { SessionBindings } from './sessions.js';
import type { Principal, Store } from './types.js';
import { rateLimiter } from './rate-limit.js';
import { observedDecisions } from './telemetry/decision.js';
import { activeSessions } from './telemetry/instruments.js';
import { tokenVerifier } from './verify-token.js';

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
   * Whether a browser at `origin` (the `Origin` header) may call the endpoint: `allowedOrigins`, by default
   * the resource's own origin (plus loopback origins for a loopback resource). Adapters answer CORS with it.
   */
  isOriginAllowed(origin: string): boolean;
  /**
   * Authenticates one request: credentials, token, scopes, session binding.
   * @throws an mcpgate error; turn it into an answer with {@link McpAuth.errorResponse}.
   */
  authenticate(request: McpAuthRequest): Promise<McpAuthSuccess>;
  /** The status, headers and JSON body for an error thrown by {@link McpAuth.authenticate}. */
  errorResponse(error: unknown): AuthErrorResponse;
  /** Binds a freshly minted session id to the principal that initialized it (past `maxSessionsPerPrincipal`, unbinding its least recently used). */
  bindSession(sessionId: string, principal: Principal): Promise<void>;
  /** Forgets a session id (after DELETE, or when the session closes); resolves true when a binding was removed (counted and reported once). */
  unbindSession(sessionId: string): Promise<boolean>;
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
  const config = resolveAuthOptions(options);
  const { logger, onEvent } = config;
  const report = rateLimitedWarn((message) => logger.warn(message));
  const store = guardStore(config.store, config.storeTimeoutMs, (error) => report(`store:${error.message}`, `[mcpgate] ${error.message}; answering 503`));
  const sessions = new SessionBindings(store, {
    ttlMs: config.sessionTtlMs,
    sealer: config.sealer,
    maxPerPrincipal: config.maxSessionsPerPrincipal,
    warn: (message) => report('session-renewal', message),
  });
  const locations = metadataLocations(config.resource);
  const challenge = {
    resourceMetadataUrl: locations.url,
    defaultScopes: config.requiredScopes,
    bearer: config.dpop.mode !== 'required',
    dpopAlgorithms: config.dpop.mode === 'off' ? undefined : config.dpop.algorithms,
  };

  return {
    resource: config.resource,
    metadata: protectedResourceMetadataOf(config),
    metadataLocations: locations,
    store,
    sealer: config.sealer,
    isOriginAllowed: config.originAllowed,
    authenticate: observedDecisions(authenticator({
      resource: config.resource,
      resourceMetadataUrl: locations.url,
      originAllowed: config.originAllowed,
      verify: tokenVerifier(config.validator, config.tokenCache, config.resource),
      sessions,
      policy: config.policy,
      clockToleranceSeconds: config.clockToleranceSeconds,
      dpop: config.dpop,
      store,
      rateLimit: config.rateLimit === undefined ? undefined : rateLimiter(config.rateLimit, store),
    }), onEvent),
    errorResponse(error) {
      if (!isMcpAuthError(error)) logger.error(`[mcpgate] unexpected error while authenticating a request: ${describe(error)}`);
      return errorResponse(error, challenge);
    },
    async bindSession(sessionId, principal) {
      const evicted = await sessions.bind(sessionId, principal);
      activeSessions().add(1);
      onEvent?.({ type: 'session.bound', time: new Date().toISOString(), principal: { issuer: principal.issuer, subject: principal.subject }, ...clientOf(principal) });
      for (let i = 0; i < evicted.length; i++) {
        // unbound to make room (maxSessionsPerPrincipal): counted and reported as any unbind
        activeSessions().add(-1);
        onEvent?.({ type: 'session.unbound', time: new Date().toISOString(), principal: { issuer: principal.issuer, subject: principal.subject } });
      }
    },
    async unbindSession(sessionId) {
      // a session closed twice (a DELETE, then the transport's close) is counted and reported once
      const removed = await sessions.unbind(sessionId);
      if (removed) {
        activeSessions().add(-1);
        onEvent?.({ type: 'session.unbound', time: new Date().toISOString() });
      }
      return removed;
    },
    close: () => store.close(),
  };
}

const clientOf = (principal: Principal): { clientId?: string } => (principal.clientId === '' ? {} : { clientId: principal.clientId });

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : typeof error;
}
