import type { McpAuth } from '@mcpgate/core';
import { assertKnownOptions, discoveryAnswer } from '@mcpgate/core/internal';
import type { Request, RequestHandler, Response } from 'express';
import { sendAnswer } from './lib/respond.js';

export interface MetadataRouterOptions {
  /** `Cache-Control: max-age` of the document, in seconds. Default 300. */
  readonly maxAgeSeconds?: number;
}

/**
 * Serves the RFC 9728 protected-resource metadata at the path form
 * (`/.well-known/oauth-protected-resource/mcp` for a resource at `/mcp`) and at the root form
 * (`/.well-known/oauth-protected-resource`), for GET and OPTIONS, with CORS for browser clients.
 * Mount it before any authentication middleware.
 *
 * @example
 * ```ts
 * app.use(protectedResourceMetadata(auth));
 * ```
 */
export function protectedResourceMetadata(auth: McpAuth, options: MetadataRouterOptions = {}): RequestHandler {
  assertKnownOptions(options, ['maxAgeSeconds'], 'protectedResourceMetadata');
  const maxAge = options.maxAgeSeconds ?? 300;
  if (!Number.isInteger(maxAge) || maxAge < 0) throw new TypeError('maxAgeSeconds must be a non-negative integer');
  const paths = new Set([auth.metadataLocations.path, auth.metadataLocations.rootPath]);
  const body = JSON.stringify(auth.metadata);

  return (req: Request, res: Response, next) => {
    if (!req.url.startsWith(auth.metadataLocations.rootPath) || !paths.has(req.path)) return next();
    sendAnswer(res, discoveryAnswer(req.method, req.get('access-control-request-headers'), () => body, maxAge));
  };
}
