import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  createMcpAuth,
  createSealer,
  jsonLinesAuditLog,
  type JsonLinesAuditLog,
  type McpAuth,
  type McpAuthEventListener,
  type Sealer,
  type Store,
  type TokenValidator,
} from '@mcpgate/core';
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
  onEvent: McpAuthEventListener | undefined,
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
    // the same audit trail as createMcpAuth's: upstream.connected / refreshed / revoked / identity_mismatch
    ...(onEvent !== undefined ? { onEvent } : {}),
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

/**
 * MCP_AUTH_AUDIT_LOG → the JSON-lines audit trail. A file is opened (created 0600) here first, so that a path
 * that cannot be written stops the server at startup instead of dropping every event.
 */
async function openAuditLog(target: string | undefined): Promise<{ log: JsonLinesAuditLog | undefined; note: string }> {
  if (target === undefined) return { log: undefined, note: 'audit log: off (set MCP_AUTH_AUDIT_LOG to a file, or - for standard output)' };
  if (target === '-') return { log: jsonLinesAuditLog('-'), note: 'audit log: standard output (JSON lines)' };
  const path = resolve(target);
  try {
    await (await open(path, 'a', 0o600)).close();
  } catch (error) {
    throw new ConfigError(`MCP_AUTH_AUDIT_LOG: cannot append to ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return { log: jsonLinesAuditLog(path), note: `audit log: ${path} (JSON lines, appended)` };
}

/** The startup line of MCP_AUTH_RATE_LIMIT. */
function rateLimitNote(config: ExampleConfig): string {
  const rate = config.rateLimit;
  if (rate === undefined) return 'rate limit: off (set MCP_AUTH_RATE_LIMIT, e.g. 120/60s)';
  const window = rate.windowMs % 3_600_000 === 0 ? `${rate.windowMs / 3_600_000} h` : rate.windowMs % 1000 === 0 ? `${rate.windowMs / 1000} s` : `${rate.windowMs} ms`;
  const shared = config.store === 'memory' ? 'counted in this process only (memory store)' : 'counted in the store, shared by every instance on it';
  return `rate limit: ${rate.limit} requests per ${window} per user, then 429 with Retry-After; ${shared}`;
}

/** Builds the resource server the example runs, from its configuration and the issuer in use. */
export async function setupAuth(config: ExampleConfig, issuer: string, devAs?: DevAuthorizationServer): Promise<AuthSetup> {
  const audit = await openAuditLog(config.auditLog);
  const onEvent = audit.log?.onEvent;
  let chosen: Awaited<ReturnType<typeof storeFromUri>>;
  try {
    chosen = await storeFromUri(config.store, config.encryptionKey);
  } catch (error) {
    await audit.log?.close();
    throw error;
  }
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
      ...(config.rateLimit !== undefined ? { rateLimit: { limit: config.rateLimit.limit, windowMs: config.rateLimit.windowMs } } : {}),
      ...(onEvent !== undefined ? { onEvent } : {}),
    });
  } catch (error) {
    await chosen.store.close();
    await audit.log?.close();
    if (error instanceof TypeError && /encryptionKey/.test(error.message)) throw new ConfigError(`MCP_AUTH_ENCRYPTION_KEY: ${error.message}`);
    if (error instanceof TypeError && /rateLimit/.test(error.message)) throw new ConfigError(`MCP_AUTH_RATE_LIMIT with MCP_AUTH_STORE=${config.store}: ${error.message}`);
    throw error;
  }
  const upstream = buildUpstream(config, auth, issuer, devAs, onEvent);
  return {
    auth,
    tools: upstream.tools,
    notes: [...chosen.notes, dpopNote(config.dpop), audit.note, rateLimitNote(config)],
    async close() {
      upstream.credentials?.close();
      await auth.close();
      // after everything that reports into it
      await audit.log?.close();
    },
  };
}
