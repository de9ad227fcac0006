import { createMcpAuth, memoryStore, type McpAuth, type Store, type TokenValidator } from '@mcpgate/core';
import { jwtValidator } from '@mcpgate/jwt-validator';
import { ConfigError, type ExampleConfig } from './config.js';

export interface AuthSetup {
  readonly auth: McpAuth;
  readonly notes: string[];
}

function buildValidator(config: ExampleConfig, issuer: string): TokenValidator {
  if (config.validator === 'jwt') return jwtValidator({ issuer });
  throw new ConfigError('MCP_AUTH_VALIDATOR=introspection is not supported yet by this build');
}

async function buildStore(config: ExampleConfig): Promise<{ store: Store; notes: string[] }> {
  if (config.store === 'memory') return { store: memoryStore(), notes: ['store: memory (bindings are lost on restart)'] };
  throw new ConfigError(`MCP_AUTH_STORE=${config.store} is not supported yet by this build; use MCP_AUTH_STORE=memory`);
}

/** Builds the resource server the example runs, from its configuration and the issuer in use. */
export async function setupAuth(config: ExampleConfig, issuer: string): Promise<AuthSetup> {
  const { store, notes } = await buildStore(config);
  const auth = createMcpAuth({
    resource: config.resource,
    authorizationServers: [issuer],
    validator: buildValidator(config, issuer),
    store,
    requiredScopes: config.requiredScopes,
    resourceName: 'mcpgate example server',
  });
  return { auth, notes };
}
