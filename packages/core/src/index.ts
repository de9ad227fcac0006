export { createMcpAuth } from './auth.js';
export type { McpAuth, McpAuthOptions, McpAuthRequest, McpAuthSuccess } from './auth.js';
export { extractBearerToken } from './bearer.js';
export type { CredentialSources } from './bearer.js';
export { errorResponse, quoteHeaderValue } from './challenge.js';
export { DecryptionError, Sealer, createSealer, generateEncryptionKey } from './encryption.js';
export type { EncryptionKeyInput, SealedValue } from './encryption.js';
export type { AuthErrorResponse, ChallengeOptions } from './challenge.js';
export {
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  McpAuthError,
  NoCredentialsError,
  OriginNotAllowedError,
  ReconnectRequiredError,
  ServiceUnavailableError,
  SessionNotFoundError,
  isMcpAuthError,
} from './errors.js';
export type { InvalidRequestStatus, InvalidTokenReason, McpAuthErrorCode } from './errors.js';
export { assertPlainJson, assertPlainUtf8, parseJsonRpcBody } from './json-rpc-body.js';
export type { BodyEncoding } from './json-rpc-body.js';
export { memoryStore } from './memory-store.js';
export type { MemoryStoreOptions } from './memory-store.js';
export { acceptedAudiences, canonicalResource, metadataLocations } from './metadata.js';
export type { MetadataLocations, ProtectedResourceMetadata } from './metadata.js';
export { principalOf } from './principal.js';
export { ScopePolicy, toolNamesOf } from './scopes.js';
export type { ScopePolicyOptions, ToolNameSource } from './scopes.js';
export { SessionBindings } from './sessions.js';
export type { SessionBindingsOptions } from './sessions.js';
export { VerifiedTokenCache } from './token-cache.js';
export type { TokenCacheOptions } from './token-cache.js';
export type { AuthInfo, JsonValue, Principal, Store, TokenRefresher, TokenValidator, UpstreamTokenSet, ValidationContext } from './types.js';
export { refreshTokenRefresher } from './upstream/refresh-token-refresher.js';
export type { RefreshTokenRefresherOptions } from './upstream/refresh-token-refresher.js';
export { CredentialVault } from './upstream/vault.js';
export type { CredentialVaultOptions, PrincipalRef, VaultEntry } from './upstream/vault.js';
export { authorizationServerMetadata, upstreamDiscovery } from './upstream/discovery.js';
export type { UpstreamDiscoveryOptions, UpstreamEndpoints } from './upstream/discovery.js';
export type { DeviceAuthorizationOutcome, DeviceAuthorizationPrompt } from './upstream/device-authorization.js';
export type { DeviceAuthorizationRecord } from './upstream/device-authorization.js';
export type { UpstreamIdentity, UpstreamIdentityContext, UpstreamIdentityVerifier } from './upstream/identity.js';
export { createUpstreamCredentials } from './upstream/upstream-credentials.js';
export type { UpstreamCredentials, UpstreamCredentialsOptions } from './upstream/upstream-credentials.js';
