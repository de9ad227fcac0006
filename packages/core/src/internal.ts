/**
 * `@mcpgate/core/internal`: helpers shared by the mcpgate packages. Not part of the public API: no
 * semver promise, may change in any release. Applications should not import it.
 */
export { ResponseTooLargeError, readBoundedText } from './lib/bounded-body.js';
export { assertKnownOptions } from './lib/known-options.js';
export { rateLimitedWarn } from './lib/rate-limited.js';
