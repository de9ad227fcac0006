// The public API of @mcpgate/jwt-validator.
export { jwtValidator } from './validator.js';
export { DEFAULT_ALGORITHMS } from './options.js';
export type { FetchLike, IssuerOptions, JwtAlgorithm, JwtValidatorOptions } from './options.js';
