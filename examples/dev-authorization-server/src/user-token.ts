import { createHash, randomBytes } from 'node:crypto';
import { authorizeInBrowser } from './browser.js';
import { DevAuthorizationServerError } from './errors.js';

/** The token response of {@link obtainUserToken}. */
export interface UserTokenResponse {
  readonly access_token: string;
  readonly token_type: string;
  readonly expires_in: number;
  readonly refresh_token?: string;
  readonly scope?: string;
}

/**
 * An access token for `login`, through the whole authorization-code flow a real client runs: dynamic
 * registration (public client), PKCE S256, the `resource` indicator, consent in the scripted browser,
 * code exchange. For tests and benchmarks that need a user's token without an MCP client.
 *
 * @example
 * ```ts
 * const { access_token } = await obtainUserToken(as.issuer, { resource: 'http://127.0.0.1:3000/mcp', login: 'alice' });
 * ```
 */
export async function obtainUserToken(
  issuer: string,
  options: {
    resource: string;
    login: string;
    /** Scopes asked for in the authorization request. Default `mcp:tools`. */
    scope?: string;
    /** The `scope` sent with the dynamic registration (as MCP clients send it). Default `mcp:tools mcp:admin`. */
    registrationScope?: string;
    /** Makes a DPoP proof for the token endpoint (its URL): the token request carries it, for a DPoP-bound token. */
    dpopProof?: (tokenEndpoint: string) => Promise<string>;
  },
): Promise<UserTokenResponse> {
  const redirectUri = 'http://127.0.0.1:9/callback';
  const registration = await fetch(`${issuer}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      scope: options.registrationScope ?? 'mcp:tools mcp:admin',
    }),
  });
  if (!registration.ok) throw new DevAuthorizationServerError('DEV_AS_BROWSER_HTTP_ERROR', `registration failed: ${registration.status}`);
  const client = (await registration.json()) as { client_id: string };
  const verifier = randomBytes(32).toString('base64url');
  const url = new URL(`${issuer}/auth`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: redirectUri,
    scope: options.scope ?? 'mcp:tools',
    resource: options.resource,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state: randomBytes(8).toString('hex'),
  }).toString();
  const back = await authorizeInBrowser(url, { login: options.login });
  const code = back.searchParams.get('code');
  if (code === null) throw new DevAuthorizationServerError('DEV_AS_BROWSER_HTTP_ERROR', `authorization failed: ${back.searchParams.get('error') ?? 'no code'}`);
  const tokenEndpoint = `${issuer}/token`;
  const token = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(options.dpopProof !== undefined ? { dpop: await options.dpopProof(tokenEndpoint) } : {}),
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: client.client_id,
      code_verifier: verifier,
      resource: options.resource,
    }),
  });
  if (!token.ok) throw new DevAuthorizationServerError('DEV_AS_BROWSER_HTTP_ERROR', `token request failed: ${token.status}`);
  return (await token.json()) as UserTokenResponse;
}
