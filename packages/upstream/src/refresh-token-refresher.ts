import { ReconnectRequiredError, ServiceUnavailableError } from '@mcpgate/core';
import { assertKnownOptions, fetchOption, httpUrl, nonEmptyString, numberOption, optionalString } from '@mcpgate/core/internal';
import type { TokenRefresher, UpstreamTokenSet } from '@mcpgate/core';
import { postForm, type OAuthClient } from './lib/http.js';
import { oauthError, processTokenResponse } from './lib/token-response.js';

/** Options of {@link refreshTokenRefresher}. Invalid or unknown options throw a `TypeError` naming the option. */
export interface RefreshTokenRefresherOptions {
  /** The upstream authorization server's `token_endpoint`. */
  readonly tokenEndpoint: string;
  /** mcpgate's client id at the upstream authorization server. */
  readonly clientId: string;
  /** Client secret (sent as `client_secret_basic`); omit for a public client (`client_id` in the body). */
  readonly clientSecret?: string | undefined;
  /** A custom `fetch` (proxies, tests). Default: the global `fetch`. */
  readonly fetch?: typeof fetch | undefined;
  /** Longest a refresh request may take, in milliseconds. Default 5,000. */
  readonly timeoutMs?: number | undefined;
}

const OPTION_KEYS = Object.keys({
  tokenEndpoint: true,
  clientId: true,
  clientSecret: true,
  fetch: true,
  timeoutMs: true,
} satisfies Record<keyof RefreshTokenRefresherOptions, true>);

/**
 * A {@link TokenRefresher} for the `refresh_token` grant (RFC 6749 §6). A rotated refresh token in the
 * response replaces the old one; a response without `refresh_token` keeps the old one.
 *
 * - `invalid_grant` (refresh token expired, revoked or already used) → `ReconnectRequiredError`.
 * - Network failure, timeout, 5xx, a malformed response or any other OAuth error →
 *   `ServiceUnavailableError` with `dependency: 'upstream'`.
 *
 * @example
 * ```ts
 * const refresher = refreshTokenRefresher({ tokenEndpoint: 'https://login.example.com/token', clientId: 'mcp-upstream' });
 * const next = await refresher.refresh(current); // store `next`: its refresh token may be new
 * ```
 */
export function refreshTokenRefresher(options: RefreshTokenRefresherOptions): TokenRefresher {
  assertKnownOptions(options, OPTION_KEYS, 'refreshTokenRefresher');
  const tokenEndpoint = httpUrl(options.tokenEndpoint, 'tokenEndpoint', { query: true });
  const client: OAuthClient = {
    clientId: nonEmptyString(options.clientId, 'clientId'),
    clientSecret: optionalString(options.clientSecret, 'clientSecret'),
    fetch: fetchOption(options.fetch),
    timeoutMs: numberOption(options.timeoutMs, 'timeoutMs', 5_000, { sign: 'positive', unit: 'milliseconds' }),
  };
  return {
    async refresh(current, refreshOptions) {
      if (typeof current?.refreshToken !== 'string' || current.refreshToken === '') {
        throw new ReconnectRequiredError('the upstream token set has no refresh token: connect again');
      }
      const response = await postForm(
        client,
        tokenEndpoint,
        { grant_type: 'refresh_token', refresh_token: current.refreshToken },
        'mcpgate.upstream.token',
        refreshOptions?.signal,
      );
      if (response.status === 200) return merge(current, processTokenResponse(response.body, Date.now() / 1000));
      const error = oauthError(response.body);
      if (error === 'invalid_grant') {
        throw new ReconnectRequiredError('the upstream authorization server refused the refresh token (invalid_grant): connect again');
      }
      throw new ServiceUnavailableError(`upstream token endpoint answered ${response.status} ${error ?? 'without an OAuth error code'}`, {
        dependency: 'upstream',
        retryAfter: 30,
      });
    },
  };
}

function merge(current: UpstreamTokenSet, next: UpstreamTokenSet): UpstreamTokenSet {
  const refreshToken = next.refreshToken ?? current.refreshToken;
  const scope = next.scope ?? current.scope;
  const idToken = next.idToken ?? current.idToken;
  return {
    accessToken: next.accessToken,
    tokenType: next.tokenType,
    ...(refreshToken !== undefined ? { refreshToken } : {}),
    ...(next.expiresAt !== undefined ? { expiresAt: next.expiresAt } : {}),
    ...(scope !== undefined ? { scope } : {}),
    ...(idToken !== undefined ? { idToken } : {}),
  };
}
