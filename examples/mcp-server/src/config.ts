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
  /** MCP_AUTH_AUDIT_LOG: where the JSON-lines audit trail goes (a file path, or `-` for standard output); undefined: off. */
  readonly auditLog: string | undefined;
  /** MCP_AUTH_RATE_LIMIT (e.g. `120/60s`): requests per window per principal; undefined: off. */
  readonly rateLimit: RateLimitSetting | undefined;
  /** OpenTelemetry from its standard variables; undefined: off (no SDK is loaded). */
  readonly telemetry: TelemetrySetting | undefined;
}

/** A per-principal rate limit: `limit` requests per `windowMs` milliseconds (createMcpAuth's `rateLimit`). */
export interface RateLimitSetting {
  readonly limit: number;
  readonly windowMs: number;
}

/** The OTLP/HTTP encodings the example exports with (gRPC is not loaded). */
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

/**
 * OpenTelemetry, from the standard variables. On when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (traces and
 * metrics over OTLP/HTTP), or when `OTEL_TRACES_EXPORTER` / `OTEL_METRICS_EXPORTER` name exporters (then the
 * SDK builds those itself: `console`, `otlp`, `prometheus`, `none`).
 */
export interface TelemetrySetting {
  /** OTEL_EXPORTER_OTLP_ENDPOINT (the exporters add `/v1/traces` and `/v1/metrics`). */
  readonly endpoint: string | undefined;
  /** OTEL_EXPORTER_OTLP_PROTOCOL, or its per-signal override: `http/protobuf` (default) or `http/json`. */
  readonly protocol: { readonly traces: OtlpProtocol; readonly metrics: OtlpProtocol };
  /** OTEL_SERVICE_NAME; default `mcpgate-example`. */
  readonly serviceName: string;
  /** OTEL_TRACES_EXPORTER / OTEL_METRICS_EXPORTER as given: the SDK then chooses those signals' exporters. */
  readonly tracesExporter: string | undefined;
  readonly metricsExporter: string | undefined;
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

const DURATION_UNITS_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/**
 * MCP_AUTH_RATE_LIMIT: `<requests>/<window>`, the window a whole number with a unit (`ms`, `s`, `m`, `h`):
 * `120/60s`, `10/1s`, `1000/1h`, `100/500ms`. @throws ConfigError naming the variable.
 */
export function parseRateLimit(raw: string): RateLimitSetting {
  const match = /^(\d{1,9})\/(\d{1,9})(ms|s|m|h)$/.exec(raw.trim());
  const limit = match === null ? Number.NaN : Number(match[1]);
  const windowMs = match === null ? Number.NaN : Number(match[2]) * DURATION_UNITS_MS[match[3] as keyof typeof DURATION_UNITS_MS];
  if (!(limit >= 1) || !(windowMs >= 1) || windowMs > 7 * 86_400_000) {
    throw new ConfigError(
      `MCP_AUTH_RATE_LIMIT must be <requests>/<window> with a unit of ms, s, m or h (at least 1 request, a window from 1 ms to 7 days), e.g. 120/60s, 10/1s, 1000/1h or 100/500ms; got ${JSON.stringify(raw)}`,
    );
  }
  return { limit, windowMs };
}

function otlpProtocol(env: NodeJS.ProcessEnv, name: string, fallback: OtlpProtocol): OtlpProtocol {
  const value = optional(env, name);
  if (value === undefined) return fallback;
  if (!(OTLP_PROTOCOLS as readonly string[]).includes(value)) {
    throw new ConfigError(
      `${name} must be "http/protobuf" (the default) or "http/json", got ${JSON.stringify(value)}` +
        (value === 'grpc' ? ': the example exports over OTLP/HTTP only (point it at the collector\'s HTTP port, usually 4318)' : ''),
    );
  }
  return value as OtlpProtocol;
}

/** A comma-separated list of exporter names the SDK knows for that signal, as given. */
function exporters(env: NodeJS.ProcessEnv, name: string, known: readonly string[]): string | undefined {
  const value = optional(env, name);
  if (value === undefined) return undefined;
  const names = value.split(',').map((n) => n.trim());
  if (!names.every((n) => known.includes(n))) {
    throw new ConfigError(`${name} must list exporters among ${known.join(', ')} (comma-separated), got ${JSON.stringify(value)}`);
  }
  return names.join(',');
}

/**
 * The OpenTelemetry setting from the standard variables, or undefined when none of its switches is set
 * (nothing is loaded then). @throws ConfigError naming the variable at fault.
 */
export function telemetrySetting(env: NodeJS.ProcessEnv): TelemetrySetting | undefined {
  const endpoint = optional(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const tracesExporter = exporters(env, 'OTEL_TRACES_EXPORTER', ['otlp', 'console', 'zipkin', 'none']);
  const metricsExporter = exporters(env, 'OTEL_METRICS_EXPORTER', ['otlp', 'console', 'prometheus', 'none']);
  if (endpoint !== undefined && !(URL.canParse(endpoint) && /^https?:$/.test(new URL(endpoint).protocol))) {
    throw new ConfigError(`OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL such as http://127.0.0.1:4318, got ${JSON.stringify(endpoint)}`);
  }
  if (endpoint === undefined && tracesExporter === undefined && metricsExporter === undefined) return undefined;
  const protocol = otlpProtocol(env, 'OTEL_EXPORTER_OTLP_PROTOCOL', 'http/protobuf');
  return {
    endpoint,
    protocol: {
      traces: otlpProtocol(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', protocol),
      metrics: otlpProtocol(env, 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', protocol),
    },
    serviceName: optional(env, 'OTEL_SERVICE_NAME') ?? 'mcpgate-example',
    tracesExporter,
    metricsExporter,
  };
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
  const rateLimit = optional(env, 'MCP_AUTH_RATE_LIMIT');
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
    auditLog: optional(env, 'MCP_AUTH_AUDIT_LOG'),
    rateLimit: rateLimit === undefined ? undefined : parseRateLimit(rateLimit),
    telemetry: telemetrySetting(env),
  };
}
