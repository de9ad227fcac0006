import { ServiceUnavailableError } from '@mcpgate/core';
import { assertKnownOptions, cachedDiscovery, httpUrl, type AuthorizationServerMetadata, type DiscoveryFetch } from '@mcpgate/core/internal';

/** The upstream authorization server endpoints mcpgate uses. */
export interface UpstreamEndpoints {
  readonly tokenEndpoint: string;
  /** RFC 8628 `device_authorization_endpoint`; absent when the server does not offer the device flow. */
  readonly deviceAuthorizationEndpoint?: string | undefined;
  /** OpenID Connect `userinfo_endpoint`, when the server has one. */
  readonly userinfoEndpoint?: string | undefined;
}

const ENDPOINT_KEYS = Object.keys({ tokenEndpoint: true, deviceAuthorizationEndpoint: true, userinfoEndpoint: true } satisfies Record<
  keyof UpstreamEndpoints,
  true
>);

export interface EndpointSourceOptions {
  readonly issuer: string;
  readonly fetch: DiscoveryFetch;
  /** Milliseconds. */
  readonly timeoutMs: number;
  /** Milliseconds; default one hour. */
  readonly cacheTtlMs: number | undefined;
}

/**
 * The upstream endpoints: those configured, the rest discovered from the issuer's metadata (RFC 8414, then
 * OpenID Connect; its `issuer` checked, cached). When both the token and the device authorization
 * endpoints are configured, nothing is discovered.
 */
export function endpointSource(configured: Partial<UpstreamEndpoints> | undefined, discovery: EndpointSourceOptions): () => Promise<UpstreamEndpoints> {
  if (configured !== undefined) assertKnownOptions(configured, ENDPOINT_KEYS, 'createUpstreamCredentials endpoints');
  const given = {
    tokenEndpoint: optionalUrl(configured?.tokenEndpoint, 'endpoints.tokenEndpoint'),
    deviceAuthorizationEndpoint: optionalUrl(configured?.deviceAuthorizationEndpoint, 'endpoints.deviceAuthorizationEndpoint'),
    userinfoEndpoint: optionalUrl(configured?.userinfoEndpoint, 'endpoints.userinfoEndpoint'),
  };
  if (given.tokenEndpoint !== undefined && given.deviceAuthorizationEndpoint !== undefined) {
    const complete: UpstreamEndpoints = { ...given, tokenEndpoint: given.tokenEndpoint };
    return () => Promise.resolve(complete);
  }
  const metadata = cachedDiscovery(discovery.issuer, {
    fetch: discovery.fetch,
    timeoutMs: discovery.timeoutMs,
    cacheTtlMs: discovery.cacheTtlMs,
    requires: given.tokenEndpoint === undefined ? ['token_endpoint'] : [],
  });
  return async () => {
    const found = endpointsOf(await metadata());
    const tokenEndpoint = given.tokenEndpoint ?? found.tokenEndpoint;
    if (tokenEndpoint === undefined) throw new ServiceUnavailableError(`upstream authorization server ${discovery.issuer} has no token_endpoint`, { dependency: 'discovery' });
    return {
      tokenEndpoint,
      deviceAuthorizationEndpoint: given.deviceAuthorizationEndpoint ?? found.deviceAuthorizationEndpoint,
      userinfoEndpoint: given.userinfoEndpoint ?? found.userinfoEndpoint,
    };
  };
}

function optionalUrl(value: unknown, option: string): string | undefined {
  return value === undefined ? undefined : httpUrl(value, option, { query: true });
}

function endpointsOf(m: AuthorizationServerMetadata): { tokenEndpoint: string | undefined; deviceAuthorizationEndpoint: string | undefined; userinfoEndpoint: string | undefined } {
  const url = (name: string): string | undefined => {
    const value = m[name];
    if (value === undefined) return undefined;
    try {
      return httpUrl(value, name, { query: true });
    } catch {
      throw new ServiceUnavailableError(`upstream authorization server metadata of ${m.issuer} has an invalid ${name}`, { dependency: 'discovery' });
    }
  };
  return { tokenEndpoint: url('token_endpoint'), deviceAuthorizationEndpoint: url('device_authorization_endpoint'), userinfoEndpoint: url('userinfo_endpoint') };
}
