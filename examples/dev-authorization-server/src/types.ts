import type { IncomingMessage, ServerResponse } from 'node:http';

/** A JSON Web Key as exported by `node:crypto` plus the identifying members the server sets. */
export interface DevJwk {
  kty: string;
  kid: string;
  alg: 'RS256';
  use: 'sig';
  n?: string;
  e?: string;
  d?: string;
  p?: string;
  q?: string;
  dp?: string;
  dq?: string;
  qi?: string;
  [member: string]: unknown;
}

/** A user the development authorization server can sign in (the record key is the user id / `sub`). */
export interface DevUser {
  name: string;
  email: string;
}

/** Options of {@link startDevAuthorizationServer}. */
export interface DevAuthorizationServerOptions {
  /** Port to listen on; `0` (default) picks a free port. */
  port?: number;
  /** Host to listen on, default `127.0.0.1`; the issuer is `http://${host}:${port}` (no trailing slash). */
  host?: string;
  /** Canonical MCP resource URI; access tokens for it carry exactly this `aud`. */
  resource: string;
  /** Other resource servers the AS knows (tokens for them are JWTs with their own `aud`). */
  extraResources?: string[];
  /** Resource scopes, default `['mcp:tools', 'mcp:admin']`. */
  scopes?: string[];
  /** Format of access tokens for `resource`: `jwt` (RFC 9068, RS256; default) or `opaque` (introspect them). */
  accessTokenFormat?: 'jwt' | 'opaque';
  /** Lifetime of access tokens for the resources, default 3600 seconds. */
  accessTokenTtlSeconds?: number;
  /** Lifetime of refresh tokens, default 14 days. */
  refreshTokenTtlSeconds?: number;
  /** Lifetime of the device (upstream) client's access tokens, default 3600 seconds. */
  upstreamAccessTokenTtlSeconds?: number;
  /** Users that can sign in, keyed by user id; default `alice` and `bob`. */
  users?: Record<string, DevUser>;
}

/** Koa middleware as accepted by `provider.use`. */
export type KoaMiddleware = (ctx: any, next: () => Promise<void>) => Promise<void> | void;

/** The parts of the `oidc-provider` instance this package relies on; every other member is reachable too. */
export interface OidcProvider {
  readonly issuer: string;
  use(middleware: KoaMiddleware): void;
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  on(event: string, listener: (...args: any[]) => void): void;
  [member: string]: any;
}

/** Request counters, incremented by a middleware in front of the provider. */
export interface DevAuthorizationServerStats {
  /** Requests to the introspection endpoint. */
  introspections: number;
  /** Token requests with `grant_type=refresh_token`. */
  refreshGrants: number;
  /** Token requests with the device code grant. */
  deviceCodeGrants: number;
  /** All token endpoint requests. */
  tokenRequests: number;
  /** Sets every counter back to zero. */
  reset(): void;
}

/** A running development authorization server. */
export interface DevAuthorizationServer {
  /** `http://host:port`, no trailing slash. */
  readonly issuer: string;
  readonly port: number;
  /** The underlying `oidc-provider` instance. */
  readonly provider: OidcProvider;
  /** Confidential client allowed to introspect (`client_secret_basic` or `client_secret_post`). */
  readonly introspectionClient: { clientId: string; clientSecret: string };
  /** Public client for the device authorization grant + `refresh_token` (rotated); scopes `openid offline_access profile email`. */
  readonly deviceClient: { clientId: string };
  /** Confidential client with the `client_credentials` grant, for `resource` and `extraResources`. */
  readonly testClient: { clientId: string; clientSecret: string };
  /** The AS's real signing key. */
  readonly signingKeys: { privateJwk: DevJwk; publicJwk: DevJwk; kid: string; alg: 'RS256' };
  readonly stats: DevAuthorizationServerStats;
  /** Revokes an opaque access token or a refresh token (JWT access tokens cannot be revoked). */
  revoke(token: string): Promise<void>;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}
