import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_USERS } from './accounts.js';
import { buildConfiguration } from './configuration.js';
import { DevAuthorizationServerError } from './errors.js';
import { createInteractionsMiddleware } from './interactions.js';
import { generateSigningKeys } from './keys.js';
import { loadOidcProvider } from './load-provider.js';
import { createMemoryStorage } from './memory-adapter.js';
import { createRegistrationCorsMiddleware } from './registration-cors.js';
import { createMetadataAliasMiddleware, createStats, createStatsMiddleware } from './stats.js';
import type { DevAuthorizationServer, DevAuthorizationServerOptions, OidcProvider } from './types.js';

const DEFAULT_SCOPES = ['mcp:tools', 'mcp:admin'];

function secret(): string {
  return randomBytes(32).toString('base64url');
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new DevAuthorizationServerError('DEV_AS_INVALID_OPTIONS', `${name} must be a positive number`);
  }
  return value;
}

function checkResource(name: string, value: string): void {
  if (!URL.canParse(value) || value.includes('#')) {
    throw new DevAuthorizationServerError('DEV_AS_INVALID_OPTIONS', `${name} must be an absolute URI without fragment`);
  }
}

async function listen(host: string, port: number, handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new DevAuthorizationServerError('DEV_AS_LISTEN_FAILED', error.message)));
    server.listen(port, host, () => resolve());
  });
  return server;
}

function isJwt(token: string): boolean {
  return token.split('.').length === 3;
}

async function revokeToken(provider: OidcProvider, token: string): Promise<void> {
  if (isJwt(token)) {
    throw new DevAuthorizationServerError('DEV_AS_JWT_NOT_REVOCABLE', 'JWT access tokens are self-contained and cannot be revoked');
  }
  for (const model of [provider.AccessToken, provider.RefreshToken, provider.ClientCredentials]) {
    const found = await model.find(token, { ignoreExpiration: true });
    if (found) {
      await found.destroy();
      return;
    }
  }
  throw new DevAuthorizationServerError('DEV_AS_TOKEN_NOT_FOUND', 'no such opaque access token or refresh token');
}

/**
 * Starts an in-process OAuth 2.1 / OpenID Connect authorization server for development and tests.
 *
 * It supports dynamic client registration, authorization code + PKCE (S256) with resource indicators
 * (RFC 8707), refresh tokens, the device authorization grant, client credentials, introspection, revocation
 * and userinfo. Metadata is served at both `/.well-known/openid-configuration` and
 * `/.well-known/oauth-authorization-server`. Never use it in production: users sign in without password.
 */
export async function startDevAuthorizationServer(options: DevAuthorizationServerOptions): Promise<DevAuthorizationServer> {
  const host = options.host ?? '127.0.0.1';
  checkResource('resource', options.resource);
  const extraResources = options.extraResources ?? [];
  extraResources.forEach((value, index) => checkResource(`extraResources[${index}]`, value));
  const scopes = options.scopes ?? DEFAULT_SCOPES;
  if (scopes.length === 0 || scopes.some((scope) => !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope))) {
    throw new DevAuthorizationServerError('DEV_AS_INVALID_OPTIONS', 'scopes must be a non-empty list of valid scope tokens');
  }
  const users = options.users ?? { ...DEFAULT_USERS };
  const accessTokenTtlSeconds = positive('accessTokenTtlSeconds', options.accessTokenTtlSeconds, 3600);
  const refreshTokenTtlSeconds = positive('refreshTokenTtlSeconds', options.refreshTokenTtlSeconds, 14 * 24 * 3600);
  const upstreamAccessTokenTtlSeconds = positive('upstreamAccessTokenTtlSeconds', options.upstreamAccessTokenTtlSeconds, 3600);

  const [{ default: Provider, errors }, signingKeys] = await Promise.all([loadOidcProvider(), generateSigningKeys()]);

  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = await listen(host, options.port ?? 0, (req, res) => {
    if (handler) {
      handler(req, res);
    } else {
      res.statusCode = 503;
      res.end();
    }
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const issuer = `http://${urlHost}:${port}`;

  const introspectionClient = { clientId: 'mcpgate-introspection', clientSecret: secret() };
  const deviceClient = { clientId: 'mcpgate-upstream-device' };
  const testClient = { clientId: 'mcpgate-test-client', clientSecret: secret() };

  const provider = new Provider(issuer, buildConfiguration({
    resource: options.resource,
    extraResources,
    scopes,
    accessTokenFormat: options.accessTokenFormat ?? 'jwt',
    accessTokenTtlSeconds,
    refreshTokenTtlSeconds,
    upstreamAccessTokenTtlSeconds,
    users,
    privateJwk: signingKeys.privateJwk,
    storage: createMemoryStorage(),
    introspectionClient,
    deviceClient,
    testClient,
    InvalidTarget: errors.InvalidTarget,
  }));
  const stats = createStats();
  provider.use(createStatsMiddleware(stats));
  provider.use(createMetadataAliasMiddleware());
  provider.use(createRegistrationCorsMiddleware());
  provider.use(createInteractionsMiddleware(provider, users));
  provider.on('server_error', (_ctx: unknown, error: Error) => console.error(`[dev-authorization-server] server_error: ${error.name}: ${error.message}`));
  handler = provider.callback();

  return {
    issuer,
    port,
    provider,
    introspectionClient,
    deviceClient,
    testClient,
    signingKeys,
    stats,
    revoke: (token) => revokeToken(provider, token),
    close: () => new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    }),
  };
}
