/**
 * The example server's environment contract (see ARCHITECTURE.md): every variable, its default, and a
 * clear error for a bad value.
 */
export interface ExampleConfig {
  readonly host: string;
  readonly port: number;
  readonly resource: string;
  /** Unset: start the embedded development authorization server. */
  readonly issuer: string | undefined;
  readonly validator: 'jwt' | 'introspection';
  readonly introspection: { readonly clientId: string | undefined; readonly clientSecret: string | undefined; readonly cacheTtlSeconds: number };
  readonly requiredScopes: string[];
  /** Extra scopes per tool (step-up), from MCP_AUTH_TOOL_SCOPES. */
  readonly toolScopes: Record<string, string[]>;
  readonly store: string;
  readonly encryptionKey: string | undefined;
  /**
   * DPoP (RFC 9449), from MCP_AUTH_DPOP: `off` accepts Bearer tokens only, `allowed` Bearer tokens and
   * DPoP-bound tokens with a proof, `required` only DPoP-bound tokens with a proof.
   */
  readonly dpop: DpopSetting;
  /** Live MCP sessions: idle timeout (seconds; also the session binding's idle lifetime) and the cap per user. */
  readonly sessions: { readonly idleTimeoutSeconds: number; readonly maxPerUser: number };
  /** Lifetimes of the embedded development AS's tokens (seconds): MCP access tokens and upstream access tokens. */
  readonly dev: { readonly accessTokenTtlSeconds: number; readonly upstreamAccessTokenTtlSeconds: number };
  readonly upstream: {
    readonly issuer: string | undefined;
    readonly clientId: string | undefined;
    readonly clientSecret: string | undefined;
    readonly scope: string;
    readonly api: string | undefined;
  };
}

/** The values of MCP_AUTH_DPOP: `createMcpAuth`'s `dpop` modes. */
export const DPOP_SETTINGS = ['off', 'allowed', 'required'] as const;
export type DpopSetting = (typeof DPOP_SETTINGS)[number];

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function optional(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function toolScopes(raw: string): Record<string, string[]> {
  const fail = (): never => {
    throw new ConfigError(`MCP_AUTH_TOOL_SCOPES must be a JSON object of tool name → array of scopes, e.g. {"admin_whoami":["mcp:admin"]}, got ${JSON.stringify(raw)}`);
  };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return fail();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail();
  const result: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  for (const [tool, scopes] of Object.entries(value)) {
    if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string' && /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s))) return fail();
    result[tool] = scopes as string[];
  }
  return { ...result };
}

/** Reads and checks the environment. @throws ConfigError naming the variable at fault. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ExampleConfig {
  const host = optional(env, 'HOST') ?? '127.0.0.1';
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const hostForUrl = host.includes(':') ? `[${host}]` : host;
  const resource = optional(env, 'MCP_RESOURCE') ?? `http://${hostForUrl}:${port}/mcp`;
  const validator = optional(env, 'MCP_AUTH_VALIDATOR') ?? 'jwt';
  if (validator !== 'jwt' && validator !== 'introspection') {
    throw new ConfigError(`MCP_AUTH_VALIDATOR must be "jwt" or "introspection", got ${JSON.stringify(validator)}`);
  }
  const issuer = optional(env, 'MCP_AUTH_ISSUER');
  const dpop = optional(env, 'MCP_AUTH_DPOP') ?? 'allowed';
  if (!(DPOP_SETTINGS as readonly string[]).includes(dpop)) {
    throw new ConfigError(`MCP_AUTH_DPOP must be "off", "allowed" or "required", got ${JSON.stringify(dpop)}`);
  }
  return {
    host,
    port,
    resource,
    issuer,
    validator,
    introspection: {
      clientId: optional(env, 'MCP_AUTH_INTROSPECTION_CLIENT_ID'),
      clientSecret: optional(env, 'MCP_AUTH_INTROSPECTION_CLIENT_SECRET'),
      cacheTtlSeconds: integer(env, 'MCP_AUTH_INTROSPECTION_CACHE_TTL', 60, 0, 86_400),
    },
    requiredScopes: (optional(env, 'MCP_AUTH_REQUIRED_SCOPES') ?? 'mcp:tools').split(/\s+/).filter(Boolean),
    toolScopes: toolScopes(optional(env, 'MCP_AUTH_TOOL_SCOPES') ?? '{"admin_whoami":["mcp:admin"]}'),
    store: optional(env, 'MCP_AUTH_STORE') ?? 'sqlite://./.data/mcpgate.sqlite',
    encryptionKey: optional(env, 'MCP_AUTH_ENCRYPTION_KEY'),
    dpop: dpop as DpopSetting,
    sessions: {
      idleTimeoutSeconds: integer(env, 'MCP_SESSION_IDLE_TIMEOUT', 3600, 1, 7 * 86_400),
      maxPerUser: integer(env, 'MCP_MAX_SESSIONS_PER_USER', 10, 1, 10_000),
    },
    dev: {
      accessTokenTtlSeconds: integer(env, 'MCP_DEV_ACCESS_TOKEN_TTL', 3600, 1, 86_400),
      upstreamAccessTokenTtlSeconds: integer(env, 'MCP_DEV_UPSTREAM_TOKEN_TTL', 3600, 1, 86_400),
    },
    upstream: {
      issuer: optional(env, 'MCP_UPSTREAM_ISSUER'),
      clientId: optional(env, 'MCP_UPSTREAM_CLIENT_ID'),
      clientSecret: optional(env, 'MCP_UPSTREAM_CLIENT_SECRET'),
      scope: optional(env, 'MCP_UPSTREAM_SCOPE') ?? 'openid offline_access',
      api: optional(env, 'MCP_UPSTREAM_API'),
    },
  };
}
