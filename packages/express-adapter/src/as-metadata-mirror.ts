import type { McpAuth } from '@mcpgate/core';
import { assertKnownOptions, cachedDiscovery, fetchOption, httpUrl, numberOption, type DiscoveryFetch } from '@mcpgate/core/internal';
import type { Request, RequestHandler, Response } from 'express';
import { answeredDiscoveryPreamble, sendDiscoveryDocument, sendError } from './lib/respond.js';

export interface AuthorizationServerMetadataMirrorOptions {
  /** Issuer whose metadata is mirrored. Default: the first of `auth.metadata.authorization_servers`. */
  readonly issuer?: string;
  /** `fetch` used to read the issuer's metadata. Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** How long the fetched document is reused, in milliseconds. Default one hour. */
  readonly cacheTtlMs?: number;
}

const PATH = '/.well-known/oauth-authorization-server';

/**
 * Serves the authorization server's RFC 8414 metadata at this server's own origin
 * (`/.well-known/oauth-authorization-server`), for MCP clients of the 2025-03-26 specification, which
 * look for it there instead of reading the protected-resource metadata. The document is the
 * authorization server's own (its `issuer` checked), fetched and cached; 503 when it cannot be fetched.
 * Newer clients do not need it; mount it only if you serve older ones.
 *
 * @example
 * ```ts
 * app.use(protectedResourceMetadata(auth), authorizationServerMetadataMirror(auth));
 * ```
 */
export function authorizationServerMetadataMirror(auth: McpAuth, options: AuthorizationServerMetadataMirrorOptions = {}): RequestHandler {
  assertKnownOptions(options, ['issuer', 'fetch', 'cacheTtlMs'], 'authorizationServerMetadataMirror');
  const issuer = httpUrl(options.issuer ?? auth.metadata.authorization_servers[0], 'issuer');
  const metadata = cachedDiscovery(issuer, {
    fetch: fetchOption<DiscoveryFetch>(options.fetch),
    cacheTtlMs: numberOption(options.cacheTtlMs, 'cacheTtlMs', 3_600_000, { sign: 'positive', unit: 'milliseconds' }),
  });

  return (req: Request, res: Response, next) => {
    if (!req.url.startsWith(PATH) || req.path !== PATH) return next();
    if (answeredDiscoveryPreamble(req, res)) return;
    metadata().then(
      (document) => sendDiscoveryDocument(req, res, JSON.stringify(document), 300),
      (error: unknown) => sendError(auth, res, error),
    );
  };
}
