import './types.js';

export { authorizationServerMetadataMirror } from './as-metadata-mirror.js';
export type { AuthorizationServerMetadataMirrorOptions } from '@mcpgate/core/internal';
export { protectedResourceMetadata } from './metadata-router.js';
export type { MetadataRouterOptions } from './metadata-router.js';
export { requireMcpAuth } from './require-auth.js';
export type { RequireMcpAuthOptions } from './require-auth.js';
