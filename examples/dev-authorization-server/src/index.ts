export { startDevAuthorizationServer } from './server.js';
export { authorizeInBrowser, approveDeviceCode } from './browser.js';
export { obtainUserToken } from './user-token.js';
export type { UserTokenResponse } from './user-token.js';
export { DPOP_SIGNING_ALGORITHMS } from './configuration.js';
export { DevAuthorizationServerError } from './errors.js';
export type { DevAuthorizationServerErrorCode } from './errors.js';
export type {
  DevAuthorizationServer,
  DevAuthorizationServerOptions,
  DevAuthorizationServerStats,
  DevJwk,
  DevUser,
  OidcProvider,
} from './types.js';
