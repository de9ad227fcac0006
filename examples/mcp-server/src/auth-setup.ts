import { createMcpAuth, createSealer, type McpAuth, type Sealer, type Store, type TokenValidator } from '@mcpgate/core';
import type { DevAuthorizationServer } from '@mcpgate/example-dev-authorization-server';
import { introspectionValidator } from '@mcpgate/introspection-validator';
import { jwtValidator } from '@mcpgate/jwt-validator';
import { createUpstreamCredentials, type UpstreamCredentials } from '@mcpgate/upstream';
import { ConfigError, type ExampleConfig } from './config.js';
import type { ExampleTools } from './mcp.js';
import { storeFromUri } from './store-from-uri.js';

export interface AuthSetup {
  readonly auth: McpAuth;
  readonly tools: ExampleTools;
  /** Lines to print at startup (store in use, warnings). */
  readonly notes: string[];
  close(): Promise<void>;
}

function buildValidator(
  config: ExampleConfig,
  issuer: string,
  devAs: DevAuthorizationServer | undefined,
  store: Store,
  sealer: Sealer | undefined,
): TokenValidator {
  if (config.validator === 'jwt') return jwtValidator({ issuer });
  const clientId = config.introspection.clientId ?? devAs?.introspectionClient.clientId;
  const clientSecret = config.introspection.clientSecret ?? devAs?.introspectionClient.clientSecret;
  if (clientId === undefined || clientSecret === undefined) {
    throw new ConfigError('MCP_AUTH_VALIDATOR=introspection needs MCP_AUTH_INTROSPECTION_CLIENT_ID and MCP_AUTH_INTROSPECTION_CLIENT_SECRET');
  }
  if (config.introspection.cacheTtlSeconds === 0) throw new ConfigError('MCP_AUTH_INTROSPECTION_CACHE_TTL must be at least 1 second');
  // the introspection cache lives in the same store, so instances sharing Redis share verdicts; they are
  // sealed with the store's encryption key (absent only for the memory store, which is not persistent)
  return introspectionValidator({
    issuer,
    clientId,
    clientSecret,
    cacheTtlSeconds: config.introspection.cacheTtlSeconds,
    cache: store,
    ...(sealer !== undefined ? { sealer } : {}),
  });
}

function buildUpstream(
  config: ExampleConfig,
  auth: McpAuth,
  issuer: string,
  devAs: DevAuthorizationServer | undefined,
): { tools: ExampleTools; credentials: UpstreamCredentials | undefined } {
  const upstreamIssuer = config.upstream.issuer ?? issuer;
  const clientId = config.upstream.clientId ?? (upstreamIssuer === devAs?.issuer ? devAs.deviceClient.clientId : undefined);
  if (clientId === undefined) {
    return { tools: { upstream: { missing: 'set MCP_UPSTREAM_CLIENT_ID (a client allowed to use the device authorization grant)' } }, credentials: undefined };
  }
  const credentials = createUpstreamCredentials({
    store: auth.store,
    sealer: auth.sealer,
    issuer: upstreamIssuer,
    clientId,
    ...(config.upstream.clientSecret !== undefined ? { clientSecret: config.upstream.clientSecret } : {}),
    scope: config.upstream.scope,
  });
  return { tools: { upstream: { credentials, api: config.upstream.api } }, credentials };
}

/** The startup line saying which tokens the server accepts (MCP_AUTH_DPOP). */
function dpopNote(mode: ExampleConfig['dpop']): string {
  switch (mode) {
    case 'off':
      return 'DPoP: off (Bearer tokens only; a DPoP-bound token is refused)';
    case 'allowed':
      return 'DPoP: allowed (Bearer tokens, and DPoP-bound tokens with a proof on every request)';
    case 'required':
      return 'DPoP: required (DPoP-bound tokens with a proof on every request; Bearer tokens refused)';
  }
}

/** Builds the resource server the example runs, from its configuration and the issuer in use. */
export async function setupAuth(config: ExampleConfig, issuer: string, devAs?: DevAuthorizationServer): Promise<AuthSetup> {
  const chosen = await storeFromUri(config.store, config.encryptionKey);
  let auth: McpAuth;
  try {
    const sealer = chosen.encryptionKey !== undefined ? createSealer(chosen.encryptionKey) : undefined;
    auth = createMcpAuth({
      resource: config.resource,
      authorizationServers: [issuer],
      validator: buildValidator(config, issuer, devAs, chosen.store, sealer),
      store: chosen.store,
      ...(chosen.encryptionKey !== undefined ? { encryptionKey: chosen.encryptionKey } : {}),
      requiredScopes: config.requiredScopes,
      toolScopes: config.toolScopes,
      sessionTtlMs: config.sessions.idleTimeoutSeconds * 1000,
      dpop: config.dpop,
      resourceName: 'mcpgate example server',
    });
  } catch (error) {
    await chosen.store.close();
    if (error instanceof TypeError && /encryptionKey/.test(error.message)) throw new ConfigError(`MCP_AUTH_ENCRYPTION_KEY: ${error.message}`);
    throw error;
  }
  const upstream = buildUpstream(config, auth, issuer, devAs);
  return {
    auth,
    tools: upstream.tools,
    notes: [...chosen.notes, dpopNote(config.dpop)],
    async close() {
      upstream.credentials?.close();
      await auth.close();
    },
  };
}
