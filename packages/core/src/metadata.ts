import { httpUrl } from './lib/option-values.js';

/** RFC 9728 protected-resource metadata, built from configuration only (never from the `Host` header). */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported?: string[];
  bearer_methods_supported: ['header'];
  resource_name?: string;
  resource_documentation?: string;
  resource_policy_uri?: string;
  resource_tos_uri?: string;
  dpop_signing_alg_values_supported?: string[];
  dpop_bound_access_tokens_required?: boolean;
  [extra: string]: unknown;
}

/** Where the metadata document is served for a resource. */
export interface MetadataLocations {
  /** `/.well-known/oauth-protected-resource/<resource path>` (RFC 9728 §3.1); equals `rootPath` for a pathless resource. */
  readonly path: string;
  /** `/.well-known/oauth-protected-resource`, which older clients try. */
  readonly rootPath: string;
  /** Absolute URL of the path form, used as `resource_metadata` in challenges. */
  readonly url: string;
}

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/** What the metadata document is built from: configuration only. */
export interface MetadataSource {
  readonly resource: string;
  readonly authorizationServers: readonly string[];
  readonly scopesSupported: readonly string[];
  readonly resourceName?: string | undefined;
  readonly resourceDocumentation?: string | undefined;
  /** DPoP: the mode and the proof algorithms (RFC 9728 `dpop_signing_alg_values_supported`, `dpop_bound_access_tokens_required`). */
  readonly dpop?: { readonly mode: 'off' | 'allowed' | 'required'; readonly algorithms: readonly string[] } | undefined;
}

/** The RFC 9728 document of a resource; `offline_access` is never advertised (MCP: SHOULD NOT). */
export function protectedResourceMetadataOf(source: MetadataSource): ProtectedResourceMetadata {
  const scopes = source.scopesSupported.filter((s) => s !== 'offline_access');
  return {
    resource: source.resource,
    authorization_servers: [...source.authorizationServers],
    ...(source.scopesSupported.length > 0 ? { scopes_supported: scopes } : {}),
    bearer_methods_supported: ['header'],
    ...(source.resourceName !== undefined ? { resource_name: source.resourceName } : {}),
    ...(source.resourceDocumentation !== undefined ? { resource_documentation: source.resourceDocumentation } : {}),
    ...(source.dpop !== undefined && source.dpop.mode !== 'off' ? { dpop_signing_alg_values_supported: [...source.dpop.algorithms] } : {}),
    ...(source.dpop?.mode === 'required' ? { dpop_bound_access_tokens_required: true } : {}),
  };
}

/** The metadata URLs of a canonical resource URI. */
export function metadataLocations(resource: string): MetadataLocations {
  const url = new URL(resource);
  const resourcePath = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  const path = `${WELL_KNOWN}${resourcePath}`;
  return { path, rootPath: WELL_KNOWN, url: `${url.origin}${path}` };
}

/**
 * Normalises and checks a canonical resource URI (RFC 8707 / MCP): absolute http(s), no fragment, no
 * query, no trailing slash after a path. Throws `TypeError` naming `option` otherwise.
 */
export function canonicalResource(value: unknown, option = 'resource'): string {
  if (typeof value !== 'string' || !URL.canParse(value)) throw new TypeError(`${option} must be an absolute URI, got ${JSON.stringify(value)}`);
  const url = new URL(httpUrl(value, option));
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

/** The audiences accepted for a canonical resource: itself and its trailing-slash twin (the SDK client sends `https://h/`). */
export function acceptedAudiences(resource: string): string[] {
  return resource.endsWith('/') ? [resource, resource.slice(0, -1)] : [resource, `${resource}/`];
}
