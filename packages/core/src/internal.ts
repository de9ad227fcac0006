/**
 * `@mcpgate/core/internal`: helpers shared by the mcpgate packages. Not part of the public API: no
 * semver promise, may change in any release. Applications should not import it.
 */
export { DEFAULT_MAX_RESPONSE_BYTES, ResponseTooLargeError, readBoundedText } from './lib/bounded-body.js';
export { basicAuthorization, formUrlEncode } from './lib/client-auth.js';
export { assertKnownOptions } from './lib/known-options.js';
export { rateLimitedWarn } from './lib/rate-limited.js';
