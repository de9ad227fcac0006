import type { McpAuth } from '@mcpgate/core';
import { discoveryAnswer, MIRROR_PATH, mirroredMetadata, type AuthorizationServerMetadataMirrorOptions } from '@mcpgate/core/internal';
import type { Request, RequestHandler, Response } from 'express';
import { sendAnswer, sendError } from './lib/respond.js';

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
  const metadata = mirroredMetadata(auth, options);

  return (req: Request, res: Response, next) => {
    if (!req.url.startsWith(MIRROR_PATH) || req.path !== MIRROR_PATH) return next();
    const requested = req.get('access-control-request-headers');
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendAnswer(res, discoveryAnswer(req.method, requested, () => '', 300));
    metadata().then(
      (document) => sendAnswer(res, discoveryAnswer(req.method, requested, () => JSON.stringify(document), 300)),
      (error: unknown) => sendError(auth, res, error),
    );
  };
}
