// The public API of @mcpgate/upstream: what an MCP server calls to act as its users at another API.
export { createUpstreamCredentials } from './upstream-credentials.js';
export type { UpstreamCredentials, UpstreamCredentialsOptions } from './upstream-credentials.js';
export { refreshTokenRefresher } from './refresh-token-refresher.js';
export type { RefreshTokenRefresherOptions } from './refresh-token-refresher.js';
export type { DeviceAuthorizationOutcome, DeviceAuthorizationPrompt, DeviceAuthorizationRecord } from './device-authorization.js';
export type { UpstreamEndpoints } from './endpoints.js';
export type { UpstreamIdentity, UpstreamIdentityContext, UpstreamIdentityVerifier } from './identity.js';
export type { PrincipalRef } from './vault.js';
