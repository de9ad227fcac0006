/**
 * `@mcpgate/core/internal`: what the mcpgate packages share among themselves. Not part of the public
 * API: no semver promise, may change in any release. Applications should not import it.
 */
export { errorResponse, quoteHeaderValue } from './challenge.js';
export type { ChallengeOptions } from './challenge.js';
export { extractBearerToken } from './bearer.js';
export { assertPlainUtf8 } from './json-rpc-body.js';
export { acceptedAudiences, canonicalResource, metadataLocations } from './metadata.js';
export { operationsOf, toolNamesOf } from './operations.js';
export type { McpOperation, OperationSource } from './operations.js';
export { ScopePolicy } from './scopes.js';
export type { ScopeMap, ScopePolicyOptions } from './scopes.js';
export { decodeHeaderValue, trimOws } from './lib/header-value.js';
export { uriTemplateMatcher, type UriTemplateMatcher } from './lib/uri-template.js';
export { SessionBindings } from './sessions.js';
export type { SessionBindingsOptions } from './sessions.js';
export { VerifiedTokenCache } from './token-cache.js';

// protocol helpers: one copy each
export { DEFAULT_MAX_RESPONSE_BYTES, ResponseTooLargeError, readBoundedBytes, readBoundedText } from './lib/bounded-body.js';
export { basicAuthorization, formUrlEncode } from './lib/client-auth.js';
export { isTimeout, raceAbort, sleep, withDeadline } from './lib/deadline.js';
export { cachedDiscovery, discoverAuthorizationServer, discoveryUrls } from './lib/discovery.js';
export type { AuthorizationServerMetadata, CachedDiscoveryOptions, DiscoveryFetch, DiscoveryOptions } from './lib/discovery.js';
export { sha256 } from './lib/hash.js';

// option checks and logging
export { assertKnownOptions } from './lib/known-options.js';
export {
  booleanOption,
  fetchOption,
  httpUrl,
  loggerOption,
  nonEmptyString,
  numberOption,
  optionalString,
  sealerOption,
  storeOption,
} from './lib/option-values.js';
export type { NumberRule } from './lib/option-values.js';
export { rateLimitedWarn } from './lib/rate-limited.js';
export { corsHeaders, isPreflight, MCP_EXPOSED_HEADERS, MCP_REQUEST_HEADERS, preflightHeaders } from './lib/cors.js';
export { declaresBody, discoveryAnswer, expiryDelay, hasQueryToken, isFormContentType } from './lib/http-answers.js';
export type { PlainAnswer } from './lib/http-answers.js';
export { MIRROR_PATH, mirroredMetadata } from './lib/mirror.js';
export type { AuthorizationServerMetadataMirrorOptions } from './lib/mirror.js';
export { extractCredentials } from './bearer.js';
export type { AcceptedSchemes, Credentials } from './bearer.js';
export { accessTokenHash, checkDpopProof } from './dpop/proof.js';
export type { CheckedProof, ProofRequest, ProofRules } from './dpop/proof.js';
export { normalizedHtu } from './dpop/htu.js';
export { dpopNonces } from './dpop/nonce.js';
export type { DpopNonces } from './dpop/nonce.js';

// telemetry shared by the packages
export { mcpgateTracer, lazyInstrument, now, SCOPE } from './telemetry/otel.js';
export { outcomeOf } from './telemetry/decision.js';
export { safeListener } from './telemetry/events.js';
export { errorName, failSpan, httpClientAttributes, inSpan, linkToActive, urlAttributes } from './telemetry/outbound.js';
export type { OutboundSpanOptions } from './telemetry/outbound.js';
