export { discoverAuthorizationServer } from './discovery.js';
export type { AuthorizationServerMetadata, DiscoveryOptions } from './discovery.js';
export { DEFAULT_ALGORITHMS } from './options.js';
export type { FetchLike, IssuerOptions, JwtAlgorithm, JwtValidatorOptions } from './options.js';
export { jwtValidator } from './validator.js';
