import { randomBytes } from 'node:crypto';
import { createFindAccount } from './accounts.js';
import { userCodeConfirmSource, userCodeInputSource, successSource } from './device-pages.js';
import { createAdapterClass, type MemoryStorage } from './memory-adapter.js';
import type { DevJwk, DevUser } from './types.js';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
export const UPSTREAM_SCOPES = ['openid', 'offline_access', 'profile', 'email'] as const;
/**
 * DPoP proof algorithms (RFC 9449) accepted at the token endpoint: every asymmetric JWS algorithm the MCP SDK
 * 2.x client can sign proofs with (`DPOP_SUPPORTED_ALGS`) and mcpgate verifies (`DPOP_ALGORITHMS`), plus
 * `Ed25519`. oidc-provider's default is only `ES256 Ed25519 EdDSA`: a client whose session signs with ES384,
 * ES512, RS* or PS* got 400 `invalid_dpop_proof` ("invalid DPoP key binding").
 */
export const DPOP_SIGNING_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512', 'EdDSA', 'Ed25519'] as const;

export interface ConfigurationInput {
  resource: string;
  extraResources: string[];
  scopes: string[];
  accessTokenFormat: 'jwt' | 'opaque';
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  upstreamAccessTokenTtlSeconds: number;
  users: Record<string, DevUser>;
  privateJwk: DevJwk;
  storage: MemoryStorage;
  introspectionClient: { clientId: string; clientSecret: string };
  deviceClient: { clientId: string };
  testClient: { clientId: string; clientSecret: string };
  InvalidTarget: new () => Error;
}

export function buildConfiguration(input: ConfigurationInput): Record<string, unknown> {
  const { resource, extraResources, scopes, introspectionClient, deviceClient, testClient } = input;
  const known = new Set([resource, ...extraResources]);
  const scope = scopes.join(' ');
  const isDeviceClient = (client: { clientId?: string } | undefined) => client?.clientId === deviceClient.clientId;

  return {
    adapter: createAdapterClass(input.storage),
    clients: [
      {
        client_id: introspectionClient.clientId,
        client_secret: introspectionClient.clientSecret,
        grant_types: [],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        client_id: deviceClient.clientId,
        grant_types: [DEVICE_CODE_GRANT, 'refresh_token'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'none',
        scope: UPSTREAM_SCOPES.join(' '),
      },
      {
        client_id: testClient.clientId,
        client_secret: testClient.clientSecret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [input.privateJwk] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    findAccount: createFindAccount(input.users),
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
    scopes: [...UPSTREAM_SCOPES, ...scopes],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    pkce: { required: () => true },
    // DPoP itself (features.dPoP) is on by default in oidc-provider 9: a token request with a DPoP proof gets a
    // DPoP-bound token (token_type DPoP, cnf.jkt), and a public client's refresh token is bound to the same key
    enabledJWA: { dPoPSigningAlgValues: [...DPOP_SIGNING_ALGORITHMS] },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    clientBasedCORS: () => true,
    issueRefreshToken: async (_ctx: unknown, client: any) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: (ctx: any) => ctx.oidc.entities.Client?.clientAuthMethod === 'none',
    ttl: {
      AccessToken: (_ctx: unknown, token: any, client: any) => (isDeviceClient(client)
        ? input.upstreamAccessTokenTtlSeconds
        : token.resourceServer?.accessTokenTTL ?? input.accessTokenTtlSeconds),
      ClientCredentials: (_ctx: unknown, token: any) => token.resourceServer?.accessTokenTTL ?? input.accessTokenTtlSeconds,
      RefreshToken: () => input.refreshTokenTtlSeconds,
      AuthorizationCode: () => 60,
      DeviceCode: () => 600,
      IdToken: () => 3600,
      Interaction: () => 3600,
      Session: () => 14 * 24 * 3600,
      Grant: () => Math.max(14 * 24 * 3600, input.refreshTokenTtlSeconds),
    },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      introspection: {
        enabled: true,
        allowedPolicy: async (_ctx: unknown, client: any) => client.clientId === introspectionClient.clientId,
      },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx: unknown, client: any, token: any) => client.clientId === introspectionClient.clientId
          || token.clientId === client.clientId,
      },
      deviceFlow: { enabled: true, userCodeInputSource, userCodeConfirmSource, successSource },
      clientCredentials: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx: unknown, client: any, oneOf?: string[]) => {
          if (oneOf) return oneOf;
          return isDeviceClient(client) ? undefined : resource;
        },
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: unknown, indicator: string, client: any) => {
          if (!known.has(indicator) || isDeviceClient(client)) throw new input.InvalidTarget();
          return {
            scope,
            audience: indicator,
            accessTokenTTL: input.accessTokenTtlSeconds,
            accessTokenFormat: indicator === resource ? input.accessTokenFormat : 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
  };
}
