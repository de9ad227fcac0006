/**
 * createMcpAuth with a stand-in validator, for tests that attack the pipeline rather than token validation:
 * named tokens map to principals; any other token is refused as a bad signature.
 */
import { createMcpAuth, InvalidTokenError, type McpAuth, type McpAuthOptions, type Principal } from '@mcpgate/core';

export const quietLogger = { warn: () => undefined, error: () => undefined };
export const FAKE_ISSUER = 'https://as.example.com';

/** A principal for `resource`, valid for an hour: `mcp:tools` unless `scopes`, bound to `jkt` (cnf) when given. */
export function fakePrincipal(resource: string, subject: string, options: { scopes?: string[]; jkt?: string } = {}): Principal {
  return {
    issuer: FAKE_ISSUER,
    subject,
    clientId: 'c',
    scopes: options.scopes ?? ['mcp:tools'],
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
    audience: [resource],
    claims: options.jkt === undefined ? {} : { cnf: { jkt: options.jkt } },
  };
}

/** `principals`: token → principal. Requires `mcp:tools`, logs nothing; `extra` overrides or adds options. */
export function fakeAuth(resource: string, principals: Readonly<Record<string, Principal>>, extra: Partial<McpAuthOptions> = {}): McpAuth {
  return createMcpAuth({
    resource,
    authorizationServers: [FAKE_ISSUER],
    validator: {
      kind: 'fake',
      async validate(token) {
        const principal = Object.hasOwn(principals, token) ? principals[token] : undefined;
        if (principal === undefined) throw new InvalidTokenError('unknown', { reason: 'signature' });
        return principal;
      },
    },
    requiredScopes: ['mcp:tools'],
    logger: quietLogger,
    ...extra,
  });
}
