import type { ClientAuthentication } from './client-auth.js';

/**
 * Builds and sends the RFC 7662 §2.1 request: `POST` form `token=…&token_type_hint=access_token`,
 * `Accept: application/json`, client authentication applied by `authenticate`.
 */
export function introspectionRequest(
  fetchImpl: typeof fetch,
  endpoint: string,
  token: string,
  authenticate: ClientAuthentication,
  signal: AbortSignal,
): Promise<Response> {
  const body = new URLSearchParams();
  body.set('token', token);
  body.set('token_type_hint', 'access_token');
  const headers = new Headers({
    accept: 'application/json',
    'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
  });
  authenticate(body, headers);
  return fetchImpl(endpoint, { method: 'POST', headers, body: body.toString(), redirect: 'manual', signal });
}
