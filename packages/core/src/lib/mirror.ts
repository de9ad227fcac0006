import type { McpAuth } from '../create-mcp-auth.js';
import { cachedDiscovery, type AuthorizationServerMetadata, type DiscoveryFetch } from './discovery.js';
import { assertKnownOptions } from './known-options.js';
import { fetchOption, httpUrl, numberOption } from './option-values.js';

/** Options of the adapters' `authorizationServerMetadataMirror`. Unknown keys throw a `TypeError`. */
export interface AuthorizationServerMetadataMirrorOptions {
  /** Issuer whose metadata is mirrored. Default: the first of `auth.metadata.authorization_servers`. */
  readonly issuer?: string;
  /** `fetch` used to read the issuer's metadata. Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** How long the fetched document is reused, in milliseconds. Default one hour. */
  readonly cacheTtlMs?: number;
}

/** Where 2025-03-26 clients look for the authorization server's metadata: the MCP server's own origin. */
export const MIRROR_PATH = '/.well-known/oauth-authorization-server';

/** The document an adapter's mirror serves: the issuer's own RFC 8414 metadata, issuer-checked, cached (see `cachedDiscovery`). */
export function mirroredMetadata(auth: McpAuth, options: AuthorizationServerMetadataMirrorOptions): () => Promise<AuthorizationServerMetadata> {
  assertKnownOptions(options, ['issuer', 'fetch', 'cacheTtlMs'], 'authorizationServerMetadataMirror');
  return cachedDiscovery(httpUrl(options.issuer ?? auth.metadata.authorization_servers[0], 'issuer'), {
    fetch: fetchOption<DiscoveryFetch>(options.fetch),
    cacheTtlMs: numberOption(options.cacheTtlMs, 'cacheTtlMs', 3_600_000, { sign: 'positive', unit: 'milliseconds' }),
  });
}
