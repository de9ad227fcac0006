import { ServiceUnavailableError } from '@mcpgate/core';
import type { UpstreamTokenSet } from '@mcpgate/core';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

const malformed = (what: string): ServiceUnavailableError =>
  new ServiceUnavailableError(`upstream token response is malformed: ${what}`, { dependency: 'upstream' });

/** The OAuth `error` code of an error response (RFC 6749 §5.2), or undefined when the body carries none. */
export function oauthError(body: unknown): string | undefined {
  return isObject(body) && typeof body['error'] === 'string' ? body['error'] : undefined;
}

/** Validates a successful token response strictly (RFC 6749 §5.1); `nowSeconds` turns `expires_in` into `expiresAt`. */
export function processTokenResponse(body: unknown, nowSeconds: number): UpstreamTokenSet {
  if (!isObject(body)) throw malformed('not a JSON object');
  const accessToken = body['access_token'];
  const tokenType = body['token_type'];
  if (typeof accessToken !== 'string' || accessToken === '') throw malformed('access_token must be a non-empty string');
  if (typeof tokenType !== 'string' || tokenType === '') throw malformed('token_type must be a non-empty string');
  const expiresIn = body['expires_in'];
  if (expiresIn !== undefined && (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn < 0)) {
    throw malformed('expires_in must be a non-negative number');
  }
  const optional = (name: string): string | undefined => {
    const value = body[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw malformed(`${name} must be a string`);
    return value;
  };
  const refreshToken = optional('refresh_token');
  const scope = optional('scope');
  const idToken = optional('id_token');
  return {
    accessToken,
    tokenType,
    ...(refreshToken !== undefined && refreshToken !== '' ? { refreshToken } : {}),
    // Kept to the millisecond: rounding `now` down made a just-issued short-lived token look stale (a 2 s token
    // refreshed at x.9 s was fresh for 0.1 s) and cost a second refresh grant for the same expiry.
    ...(expiresIn !== undefined ? { expiresAt: nowSeconds + expiresIn } : {}),
    ...(scope !== undefined ? { scope } : {}),
    ...(idToken !== undefined ? { idToken } : {}),
  };
}
