import type { McpAuth } from '@mcpgate/core';
import {
  assertKnownOptions,
  discoveryAnswer,
  MIRROR_PATH,
  mirroredMetadata,
  numberOption,
  type AuthorizationServerMetadataMirrorOptions,
} from '@mcpgate/core/internal';
import { answerResponse, errorResponse } from './lib/respond.js';

/** Options of {@link protectedResourceMetadata}. */
export interface ProtectedResourceMetadataOptions {
  /** `Cache-Control: max-age` of the document, in seconds. Default 300. */
  readonly maxAgeSeconds?: number;
}

/**
 * The RFC 9728 protected-resource metadata at the path form (`/.well-known/oauth-protected-resource/mcp`
 * for a resource at `/mcp`) and the root form, with CORS for any origin: a `Response` for those paths,
 * `undefined` for any other request (route it on).
 *
 * @example
 * ```ts
 * const metadata = protectedResourceMetadata(auth);
 * export default { fetch: (request: Request) => metadata(request) ?? mcp(request) };
 * ```
 */
export function protectedResourceMetadata(auth: McpAuth, options: ProtectedResourceMetadataOptions = {}): (request: Request) => Response | undefined {
  assertKnownOptions(options, ['maxAgeSeconds'], 'protectedResourceMetadata');
  const maxAge = numberOption(options.maxAgeSeconds, 'maxAgeSeconds', 300, { sign: 'non-negative', integer: true, unit: 'seconds' });
  const paths = new Set([auth.metadataLocations.path, auth.metadataLocations.rootPath]);
  const body = JSON.stringify(auth.metadata);
  return (request) => {
    if (!paths.has(new URL(request.url).pathname)) return undefined;
    return answerResponse(discoveryAnswer(request.method, request.headers.get('access-control-request-headers') ?? undefined, () => body, maxAge));
  };
}

/**
 * The authorization server's RFC 8414 metadata at this server's own origin, for MCP clients of the
 * 2025-03-26 specification, which look for it there: the issuer's own document (its `issuer` checked),
 * fetched and cached; 503 when it cannot be fetched. `undefined` for any other path.
 */
export function authorizationServerMetadataMirror(
  auth: McpAuth,
  options: AuthorizationServerMetadataMirrorOptions = {},
): (request: Request) => Promise<Response> | undefined {
  const metadata = mirroredMetadata(auth, options);
  return (request) => {
    if (new URL(request.url).pathname !== MIRROR_PATH) return undefined;
    const requested = request.headers.get('access-control-request-headers') ?? undefined;
    if (request.method !== 'GET' && request.method !== 'HEAD') return Promise.resolve(answerResponse(discoveryAnswer(request.method, requested, () => '', 300)));
    return metadata().then(
      (document) => answerResponse(discoveryAnswer(request.method, requested, () => JSON.stringify(document), 300)),
      (error: unknown) => errorResponse(auth, error),
    );
  };
}
