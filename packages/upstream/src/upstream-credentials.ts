import type { Logger, McpAuthEventListener, Sealer, Store, TokenRefresher, UpstreamTokenSet } from '@mcpgate/core';
import {
  assertKnownOptions,
  fetchOption,
  httpUrl,
  loggerOption,
  nonEmptyString,
  numberOption,
  optionalString,
  safeListener,
  storeOption,
} from '@mcpgate/core/internal';
import {
  deviceAuthorizationFlow,
  type DeviceAuthorizationOutcome,
  type DeviceAuthorizationPrompt,
  type DeviceAuthorizationRecord,
} from './device-authorization.js';
import { endpointSource, type UpstreamEndpoints } from './endpoints.js';
import { identityCheck, type UpstreamIdentityVerifier } from './identity.js';
import { coordinatedRefresh } from './lib/coordinated-refresh.js';
import { outcomeLog } from './lib/outcome-log.js';
import { refreshTokenRefresher } from './refresh-token-refresher.js';
import { CredentialVault, type PrincipalRef } from './vault.js';

/** Options of {@link createUpstreamCredentials}. Invalid or unknown options throw a `TypeError` naming the option. */
export interface UpstreamCredentialsOptions {
  /** Where the token sets and refresh locks live: pass `auth.store`. Share it between instances. */
  readonly store: Store;
  /** Seals the sets at rest: pass `auth.sealer`. Required with a persistent store. */
  readonly sealer?: Sealer | undefined;
  /** Issuer of the upstream authorization server (its metadata is discovered unless `endpoints` names them). */
  readonly issuer: string;
  /** mcpgate's client id at the upstream server (a client allowed the device grant and `refresh_token`). */
  readonly clientId: string;
  /** Client secret (`client_secret_basic`); omit for a public client. */
  readonly clientSecret?: string | undefined;
  /** Scopes asked for in the device authorization. Default `openid offline_access`. */
  readonly scope?: string | undefined;
  /** Refresh this many seconds before the access token expires (at most half its lifetime). Default 60. */
  readonly refreshSkewSeconds?: number | undefined;
  /**
   * Lifetime of the cross-instance refresh lock, in milliseconds: a crashed holder blocks refreshes at
   * most this long. Must exceed `timeoutMs`. Default 15,000.
   */
  readonly lockTtlMs?: number | undefined;
  /** A custom `fetch` for the authorization server and the upstream API. Default: the global `fetch`. */
  readonly fetch?: typeof fetch | undefined;
  /** Longest one request to the authorization server may take, in milliseconds. Default 5,000. */
  readonly timeoutMs?: number | undefined;
  /** Endpoints to use instead of discovering them from the issuer's RFC 8414 / OpenID metadata. */
  readonly endpoints?: Partial<UpstreamEndpoints> | undefined;
  /** How long discovered metadata is reused, in milliseconds. Default one hour. */
  readonly discoveryCacheTtlMs?: number | undefined;
  /** Renews sets; default {@link refreshTokenRefresher} at the token endpoint. Must finish within `lockTtlMs`. */
  readonly refresher?: TokenRefresher | undefined;
  /**
   * Decides whether the upstream account that approved a device authorization may act for the principal
   * that started it (against device-code phishing: someone else approving the user's code). It replaces
   * the default rule, which is: when the upstream `issuer` is the principal's issuer, the upstream
   * subject (ID token `sub`, else userinfo `sub`) must equal the principal's subject, and an account that
   * cannot be identified is refused; when the issuers differ, the identities cannot be compared and
   * **any approving account is accepted** — give a verifier (mapping accounts, comparing verified
   * e-mails, or an allow-list) if a user could be tricked into starting a flow someone else approves.
   * A refusal stores nothing and ends the flow with `identity_mismatch` (a verifier that throws: `failed`).
   */
  readonly verifyUpstreamIdentity?: UpstreamIdentityVerifier | undefined;
  /** Told how each background device authorization ended. */
  readonly onDeviceAuthorizationSettled?: ((principal: PrincipalRef, outcome: DeviceAuthorizationOutcome) => void) | undefined;
  /**
   * Receives the audit events of upstream credentials, each with the `principal` ({ issuer, subject }),
   * `time` and `outcome`: `upstream.connected` (a device authorization approved and stored),
   * `upstream.refreshed` (a refresh stored a renewed set), `upstream.revoked` (the upstream server refused
   * the refresh token, `invalid_grant`, or the set had none: the set was removed and the user must connect
   * again), `upstream.identity_mismatch` (a device authorization approved by another account; nothing
   * stored). Never token bytes. Pass the same listener as `createMcpAuth({ onEvent })` for one audit trail.
   * Called synchronously; a listener that throws is ignored.
   */
  readonly onEvent?: McpAuthEventListener | undefined;
  /** Where warnings go (never with token bytes). Default `console`. */
  readonly logger?: Logger | undefined;
}

/** Upstream credentials of the users of an MCP server; see {@link createUpstreamCredentials}. */
export interface UpstreamCredentials {
  /**
   * Starts a device authorization for `principal`; the tokens land in its vault entry when the user
   * approves and the approving account passes the identity check (`verifyUpstreamIdentity`).
   */
  startDeviceAuthorization(principal: PrincipalRef): Promise<DeviceAuthorizationPrompt>;
  /**
   * How the principal's last device authorization ended, kept in the store for an hour so that any
   * instance can tell the user why there is no connection; undefined when none ended in that time or
   * a new one was started since. `identity_mismatch` means another account approved it.
   *
   * @example
   * ```ts
   * if ((await upstream.lastDeviceAuthorization(principal))?.outcome === 'identity_mismatch') {
   *   return 'The last connection was approved by a different account: run connect_upstream again and approve it signed in as yourself.';
   * }
   * ```
   */
  lastDeviceAuthorization(principal: PrincipalRef): Promise<DeviceAuthorizationRecord | undefined>;
  /**
   * A fresh upstream access token for `principal`, refreshed exactly once when stale.
   * @throws ReconnectRequiredError (`ERR_RECONNECT_REQUIRED`) when the user has no set or it was refused.
   * @throws ServiceUnavailableError (`ERR_UNAVAILABLE`) when the upstream server or the store cannot be reached.
   */
  accessToken(principal: PrincipalRef): Promise<string>;
  /**
   * `fetch` as the user: adds `Authorization: Bearer <upstream token>`; on a 401 refreshes once and
   * retries once (not when `init.body` is a stream, which cannot be sent twice).
   */
  fetch(principal: PrincipalRef, input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** The stored set of `principal` (after a refresh if stale), or undefined when there is none. */
  tokenSet(principal: PrincipalRef): Promise<UpstreamTokenSet | undefined>;
  /** Forgets the set of `principal` (it stays valid at the upstream server until it expires or is revoked). */
  disconnect(principal: PrincipalRef): Promise<void>;
  /** The upstream server's endpoints (configured or discovered). */
  endpoints(): Promise<UpstreamEndpoints>;
  /** Cancels background polls. Does not close the store (it belongs to `createMcpAuth`). */
  close(): void;
}

const OPTION_KEYS = Object.keys({
  store: true,
  sealer: true,
  issuer: true,
  clientId: true,
  clientSecret: true,
  scope: true,
  refreshSkewSeconds: true,
  lockTtlMs: true,
  fetch: true,
  timeoutMs: true,
  endpoints: true,
  discoveryCacheTtlMs: true,
  refresher: true,
  verifyUpstreamIdentity: true,
  onDeviceAuthorizationSettled: true,
  onEvent: true,
  logger: true,
} satisfies Record<keyof UpstreamCredentialsOptions, true>);
/** How long the last device authorization outcome of a principal is kept: one hour, in milliseconds. */
const OUTCOME_TTL_MS = 3_600_000;

/**
 * Upstream credentials done right: the MCP token is never passed through; each user's upstream token
 * set comes from the device authorization grant (RFC 8628), lives sealed in the store keyed by
 * principal, and is refreshed ahead of expiry exactly once however many requests or instances need it,
 * with a rotated refresh token never lost. `invalid_grant` deletes the set: the user must connect again.
 * A device authorization approved by an account other than the principal's stores nothing (see
 * `verifyUpstreamIdentity`); {@link UpstreamCredentials.lastDeviceAuthorization} then says so.
 *
 * @example
 * ```ts
 * const upstream = createUpstreamCredentials({
 *   store: auth.store,
 *   sealer: auth.sealer,
 *   issuer: 'https://login.example.com',
 *   clientId: 'mcp-upstream',
 * });
 * // connect_upstream tool:
 * const prompt = await upstream.startDeviceAuthorization(principalOf(extra));
 * // later, in any tool:
 * const response = await upstream.fetch(principalOf(extra), 'https://api.example.com/me');
 * ```
 */
export function createUpstreamCredentials(options: UpstreamCredentialsOptions): UpstreamCredentials {
  assertKnownOptions(options, OPTION_KEYS, 'createUpstreamCredentials');
  const store = storeOption(options.store, 'store');
  const issuer = httpUrl(options.issuer, 'issuer');
  const clientId = nonEmptyString(options.clientId, 'clientId');
  const clientSecret = optionalString(options.clientSecret, 'clientSecret');
  const scope = options.scope === undefined ? 'openid offline_access' : options.scope;
  if (typeof scope !== 'string') throw new TypeError('scope must be a space-separated string');
  const refreshSkewSeconds = numberOption(options.refreshSkewSeconds, 'refreshSkewSeconds', 60, { sign: 'non-negative', unit: 'seconds' });
  const lockTtlMs = numberOption(options.lockTtlMs, 'lockTtlMs', 15_000, { sign: 'positive', unit: 'milliseconds' });
  const timeoutMs = numberOption(options.timeoutMs, 'timeoutMs', 5_000, { sign: 'positive', unit: 'milliseconds' });
  if (timeoutMs >= lockTtlMs) throw new TypeError('timeoutMs must be shorter than lockTtlMs (a refresh must finish while it holds the lock)');
  const fetchFn = fetchOption<typeof fetch>(options.fetch);
  const refresher = options.refresher;
  if (refresher !== undefined && (typeof refresher !== 'object' || refresher === null || typeof refresher.refresh !== 'function')) {
    throw new TypeError('refresher must implement TokenRefresher (refresh(current))');
  }
  const verifyUpstreamIdentity = options.verifyUpstreamIdentity;
  if (verifyUpstreamIdentity !== undefined && typeof verifyUpstreamIdentity !== 'function') {
    throw new TypeError('verifyUpstreamIdentity must be a function ({ principal, upstream, tokenSet }) => boolean');
  }
  const onEvent = safeListener(options.onEvent);
  const logger = loggerOption(options.logger);
  const warn = (message: string): void => logger.warn(message);
  const vault = new CredentialVault({ store, sealer: options.sealer, lockTtlMs, warn });
  const endpoints = endpointSource(options.endpoints, {
    issuer,
    fetch: fetchFn,
    timeoutMs,
    cacheTtlMs: numberOption(options.discoveryCacheTtlMs, 'discoveryCacheTtlMs', 3_600_000, { sign: 'positive', unit: 'milliseconds' }),
  });
  const client = { clientId, clientSecret, fetch: fetchFn, timeoutMs };
  const outcomes = outcomeLog(store, options.sealer, OUTCOME_TTL_MS);
  let closed = false;

  const refresh = coordinatedRefresh({
    vault,
    store,
    lockTtlMs,
    refreshSkewSeconds,
    isClosed: () => closed,
    onEvent,
    refresher: async () =>
      refresher ?? refreshTokenRefresher({ tokenEndpoint: (await endpoints()).tokenEndpoint, ...client }),
  });

  const device = deviceAuthorizationFlow({
    client,
    endpoints,
    scope: scope === '' ? undefined : scope,
    warn,
    onSettled: options.onDeviceAuthorizationSettled,
    onEvent,
    store: (principal, set) => vault.put(principal, set),
    verifyIdentity: identityCheck({
      issuer,
      client,
      userinfoEndpoint: async () => (await endpoints()).userinfoEndpoint,
      verify: verifyUpstreamIdentity,
      warn,
    }),
    outcomes,
  });

  return {
    startDeviceAuthorization: (principal) => device.start(principal),
    lastDeviceAuthorization: (principal) => outcomes.get(principal),
    accessToken: async (principal) => (await refresh.current(principal)).accessToken,
    async fetch(principal, input, init) {
      const send = (token: string, request: string | URL | Request): Promise<Response> => {
        const headers = new Headers(request instanceof Request ? request.headers : undefined);
        new Headers(init?.headers).forEach((value, name) => headers.set(name, value));
        headers.set('authorization', `Bearer ${token}`);
        return fetchFn(request, { ...init, headers });
      };
      const replayable = !(init?.body instanceof ReadableStream) && !(input instanceof Request && input.body !== null);
      const first = (await refresh.current(principal)).accessToken;
      const response = await send(first, input instanceof Request && replayable ? input.clone() : input);
      if (response.status !== 401 || !replayable) return response;
      await response.body?.cancel();
      const renewed = (await refresh.renew(principal, first)).accessToken;
      return send(renewed, input);
    },
    async tokenSet(principal) {
      try {
        return await refresh.current(principal);
      } catch (error) {
        if ((error as { code?: unknown }).code === 'ERR_RECONNECT_REQUIRED') return undefined;
        throw error;
      }
    },
    async disconnect(principal) {
      await vault.delete(principal);
    },
    endpoints,
    close() {
      closed = true;
      device.close();
    },
  };
}
