// The public API of @mcpgate/web: mcpgate on Web-standard Request/Response runtimes.
export { withMcpAuth } from './with-mcp-auth.js';
export type { McpAuthCallOptions, McpFetchHandler, McpHandlerExtra, WithMcpAuthOptions } from './with-mcp-auth.js';
export { authorizationServerMetadataMirror, protectedResourceMetadata } from './metadata.js';
export type { ProtectedResourceMetadataOptions } from './metadata.js';
export type { AuthorizationServerMetadataMirrorOptions } from '@mcpgate/core/internal';
