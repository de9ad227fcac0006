// The public API of @mcpgate/core: what an application calls, and the contracts a validator, store,
// refresher or adapter implements. Everything else is private (see ./internal.ts for what the other
// mcpgate packages share).
export { createMcpAuth } from './create-mcp-auth.js';
export type { McpAuth } from './create-mcp-auth.js';
export type { McpAuthOptions } from './options.js';
export type { McpAuthRequest, McpAuthSuccess } from './authenticate.js';
export type { AuthErrorResponse } from './challenge.js';
export type { CredentialSources } from './bearer.js';
export type { MetadataLocations, ProtectedResourceMetadata } from './metadata.js';
export type { TokenCacheOptions } from './token-cache.js';

export { authInfoOf, principalOf } from './principal.js';
export type { AuthSource } from './principal.js';

export { memoryStore } from './memory-store.js';
export type { MemoryStoreOptions } from './memory-store.js';

export { createSealer, DecryptionError, generateEncryptionKey } from './encryption.js';
export type { EncryptionKeyInput, Sealer, SealedValue } from './encryption.js';

export { assertPlainJson, parseJsonRpcBody } from './json-rpc-body.js';
export type { BodyEncoding } from './json-rpc-body.js';

export {
  InsufficientScopeError,
  InvalidDpopProofError,
  InvalidRequestError,
  InvalidTokenError,
  McpAuthError,
  NoCredentialsError,
  OriginNotAllowedError,
  RateLimitedError,
  ReconnectRequiredError,
  ServiceUnavailableError,
  SessionNotFoundError,
  UseDpopNonceError,
  isMcpAuthError,
} from './errors.js';
export type { AuthScheme, InvalidDpopProofReason, InvalidRequestStatus, InvalidTokenReason, McpAuthErrorCode } from './errors.js';
export { DPOP_ALGORITHMS } from './dpop/options.js';
export type { RateLimitOptions } from './rate-limit.js';
export { jsonLinesAuditLog } from './telemetry/events.js';
export type { JsonLinesAuditLog, McpAuthEvent, McpAuthEventListener, McpAuthEventType } from './telemetry/events.js';
export type { DpopMode, DpopOptions } from './dpop/options.js';

export type {
  AuthInfo,
  JsonValue,
  Logger,
  Principal,
  Store,
  TokenRefresher,
  TokenValidator,
  UpstreamTokenSet,
  ValidationContext,
} from './types.js';

export { createStateCodec, InvalidStateError } from './state-codec.js';
export type { InvalidStateReason, StateCodec, StateCodecOptions, StateOwner, StatePurpose } from './state-codec.js';
