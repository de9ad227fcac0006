/**
 * An in-memory upstream authorization server behind an injected `fetch`: rotating single-use refresh
 * tokens (reusing one → invalid_grant and the whole chain revoked, like oidc-provider), a scripted
 * device flow (with an ID token when `idTokenClaims` is set), a userinfo endpoint (when `userinfo` is
 * set) and a protected API at /api/me.
 */
export const ISSUER = 'https://as.test';
export const API = 'https://api.test/api/me';

export type DeviceStep = 'authorization_pending' | 'slow_down' | 'access_denied' | 'expired_token' | 'success';

export class FakeAuthorizationServer {
  accessTtlSeconds = 3600;
  rotate = true;
  refreshDelayMs = 20;
  /** When true the API refuses every token. */
  apiRefuses = false;
  apiRequests = 0;
  refreshRequests = 0;
  deviceRequests = 0;
  metadataRequests = 0;
  readonly devicePolls: number[] = [];
  readonly refreshBodies: URLSearchParams[] = [];
  readonly refreshAuthorization: (string | null)[] = [];
  deviceScript: DeviceStep[] = [];
  /** Claims of an (unsigned) ID token added to the device grant's token response; none when undefined. */
  idTokenClaims: Record<string, unknown> | undefined = undefined;
  /** What the userinfo endpoint (`/me`) answers to a valid access token; 404 when undefined. */
  userinfo: Record<string, unknown> | undefined = undefined;
  readonly userinfoTokens: (string | undefined)[] = [];
  deviceInterval: number | undefined = undefined;
  /** The one valid refresh token (undefined once the chain is revoked). */
  currentRefreshToken: string | undefined;
  readonly validAccessTokens = new Set<string>();
  #counter = 0;

  /** Issues an initial set as if the user had connected; `expiresIn` may be negative (already expired). */
  issue(expiresIn = this.accessTtlSeconds): { accessToken: string; tokenType: string; refreshToken: string; expiresAt: number } {
    const accessToken = `at-${++this.#counter}`;
    const refreshToken = `rt-${this.#counter}`;
    this.validAccessTokens.add(accessToken);
    this.currentRefreshToken = refreshToken;
    return { accessToken, tokenType: 'Bearer', refreshToken, expiresAt: Math.floor(Date.now() / 1000) + expiresIn };
  }

  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    const form = new URLSearchParams(typeof init?.body === 'string' || init?.body instanceof URLSearchParams ? init.body : '');
    const json = (status: number, body: unknown): Response =>
      new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    switch (`${url.origin}${url.pathname}`) {
      case `${ISSUER}/.well-known/oauth-authorization-server`:
        this.metadataRequests += 1;
        return json(200, {
          issuer: ISSUER,
          token_endpoint: `${ISSUER}/token`,
          device_authorization_endpoint: `${ISSUER}/device`,
          userinfo_endpoint: `${ISSUER}/me`,
        });
      case `${ISSUER}/device`:
        this.deviceRequests += 1;
        return json(200, {
          device_code: `dc-${this.deviceRequests}`,
          user_code: `UC-${this.deviceRequests}`,
          verification_uri: `${ISSUER}/activate`,
          verification_uri_complete: `${ISSUER}/activate?user_code=UC-${this.deviceRequests}`,
          expires_in: 600,
          ...(this.deviceInterval !== undefined ? { interval: this.deviceInterval } : {}),
        });
      case `${ISSUER}/token`:
        return this.#token(form, headers, json);
      case `${ISSUER}/me`: {
        const token = /^Bearer (.+)$/.exec(headers.get('authorization') ?? '')?.[1];
        this.userinfoTokens.push(token);
        if (this.userinfo === undefined) return json(404, { error: 'not_found' });
        if (token === undefined || !this.validAccessTokens.has(token)) return json(401, { error: 'invalid_token' });
        return json(200, this.userinfo);
      }
      case API: {
        this.apiRequests += 1;
        const token = /^Bearer (.+)$/.exec(headers.get('authorization') ?? '')?.[1];
        if (this.apiRefuses || token === undefined || !this.validAccessTokens.has(token)) return json(401, { error: 'invalid_token' });
        return json(200, { sub: 'upstream-alice', token });
      }
      default:
        return json(404, { error: 'not_found' });
    }
  };

  async #token(form: URLSearchParams, headers: Headers, json: (status: number, body: unknown) => Response): Promise<Response> {
    const grant = form.get('grant_type');
    if (grant === 'refresh_token') {
      this.refreshRequests += 1;
      this.refreshBodies.push(form);
      this.refreshAuthorization.push(headers.get('authorization'));
      await new Promise((resolve) => setTimeout(resolve, this.refreshDelayMs));
      const presented = form.get('refresh_token');
      if (presented === null || presented !== this.currentRefreshToken) {
        this.currentRefreshToken = undefined;
        return json(400, { error: 'invalid_grant', error_description: 'refresh token already used' });
      }
      const accessToken = `at-${++this.#counter}`;
      this.validAccessTokens.add(accessToken);
      const body: Record<string, unknown> = { access_token: accessToken, token_type: 'Bearer', expires_in: this.accessTtlSeconds };
      if (this.rotate) {
        this.currentRefreshToken = `rt-${this.#counter}`;
        body['refresh_token'] = this.currentRefreshToken;
      }
      return json(200, body);
    }
    if (grant === 'urn:ietf:params:oauth:grant-type:device_code') {
      this.devicePolls.push(Date.now());
      const step = this.deviceScript.shift() ?? 'authorization_pending';
      if (step !== 'success') return json(400, { error: step });
      const set = this.issue();
      return json(200, {
        access_token: set.accessToken,
        token_type: 'Bearer',
        refresh_token: set.refreshToken,
        expires_in: this.accessTtlSeconds,
        ...(this.idTokenClaims !== undefined ? { id_token: unsignedJwt(this.idTokenClaims) } : {}),
      });
    }
    return json(400, { error: 'unsupported_grant_type' });
  }
}

export const alice = { issuer: 'https://mcp-as.test', subject: 'alice' };
export const bob = { issuer: 'https://mcp-as.test', subject: 'bob' };

/** A JWT with a fake signature: enough for a token response, where the client need not verify it. */
export function unsignedJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.${Buffer.from('not-a-signature').toString('base64url')}`;
}
