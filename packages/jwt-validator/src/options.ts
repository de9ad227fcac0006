import type { Logger } from '@mcpgate/core';
import { assertKnownOptions, booleanOption, DEFAULT_MAX_RESPONSE_BYTES, httpUrl, loggerOption, numberOption } from '@mcpgate/core/internal';

/** Signature algorithms a JWT access token may use. Symmetric (`HS*`) and `none` are never accepted. */
export type JwtAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'
  | 'Ed25519';

/** The `fetch` used for discovery and JWKS requests (the global `fetch` has this shape). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** One trusted issuer, with settings that apply to its tokens only. */
export interface IssuerOptions {
  /** The issuer identifier, compared exactly (character for character) with the token's `iss`. */
  readonly issuer: string;
  /** JWKS URL of this issuer; skips discovery. Default: `jwks_uri` from the issuer's metadata. */
  readonly jwksUri?: string;
  /** Signature algorithms accepted from this issuer. Default: the validator's `algorithms`. */
  readonly algorithms?: readonly JwtAlgorithm[];
  /** Audiences accepted from this issuer. Default: the validator's `audience`. */
  readonly audience?: string | readonly string[];
}

/** Options of `jwtValidator`. Invalid options throw a `TypeError` naming the option. */
export interface JwtValidatorOptions {
  /** Trusted issuer(s): identifiers (strings) or per-issuer settings. Each gets its own discovery and keys. */
  readonly issuer: string | IssuerOptions | readonly (string | IssuerOptions)[];
  /** JWKS URL for a single issuer; skips discovery. Default: discovered (RFC 8414, then OpenID Connect). */
  readonly jwksUri?: string;
  /** Accepted signature algorithms. Default: every asymmetric algorithm jose supports (RS*, PS*, ES*, EdDSA, Ed25519). */
  readonly algorithms?: readonly JwtAlgorithm[];
  /** Accepted audiences. Default: the request's resource and its trailing-slash twin. */
  readonly audience?: string | readonly string[];
  /** Allowed clock skew for `exp`, `nbf` and `iat`, in seconds. Default 30. */
  readonly clockToleranceSeconds?: number;
  /** Claim that names the principal's subject. Default `sub`. */
  readonly subjectClaim?: string;
  /** Require the RFC 9068 header `typ` `at+jwt` (or `application/at+jwt`). Default false. */
  readonly requireJwtAccessTokenType?: boolean;
  /** `fetch` used for discovery and JWKS requests (proxies, tests). Default: the global `fetch`. */
  readonly fetch?: FetchLike;
  /** Longest a discovery or JWKS request may take, in milliseconds. Default 5,000. */
  readonly timeoutMs?: number;
  /** Least time between two JWKS refetches caused by an unknown `kid`, in milliseconds. Default 30,000. */
  readonly jwksCooldownMs?: number;
  /** Age after which the JWKS is fetched again, in milliseconds. Default 600,000 (10 minutes). */
  readonly jwksCacheMaxAgeMs?: number;
  /** Age after which issuer metadata is fetched again, in milliseconds. Default 3,600,000 (1 hour). */
  readonly discoveryCacheTtlMs?: number;
  /**
   * Largest discovery document or JWKS read, in bytes (of the body). A larger one is cancelled as soon as it
   * passes the limit (or refused by its `Content-Length`) and answered 503. Default 65,536 (64 KiB).
   */
  readonly maxResponseBytes?: number;
  /** Where operational warnings go (a discovery document over `maxResponseBytes`); never with token bytes. Default `console`. */
  readonly logger?: Logger;
}

/** The default `algorithms`. */
export const DEFAULT_ALGORITHMS: readonly JwtAlgorithm[] = Object.freeze([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const);

export interface ResolvedIssuer {
  readonly issuer: string;
  readonly jwksUri: string | undefined;
  readonly algorithms: readonly JwtAlgorithm[];
  readonly audience: readonly string[] | undefined;
}

export interface ResolvedOptions {
  readonly issuers: ReadonlyMap<string, ResolvedIssuer>;
  readonly clockToleranceSeconds: number;
  readonly subjectClaim: string;
  readonly requireJwtAccessTokenType: boolean;
  readonly fetch: FetchLike | undefined;
  readonly timeoutMs: number;
  readonly jwksCooldownMs: number;
  readonly jwksCacheMaxAgeMs: number;
  readonly discoveryCacheTtlMs: number;
  readonly maxResponseBytes: number;
  readonly logger: Logger;
}

const KNOWN_OPTIONS: readonly (keyof JwtValidatorOptions)[] = [
  'issuer',
  'jwksUri',
  'algorithms',
  'audience',
  'clockToleranceSeconds',
  'subjectClaim',
  'requireJwtAccessTokenType',
  'fetch',
  'timeoutMs',
  'jwksCooldownMs',
  'jwksCacheMaxAgeMs',
  'discoveryCacheTtlMs',
  'maxResponseBytes',
  'logger',
];
const KNOWN_ISSUER_OPTIONS: readonly (keyof IssuerOptions)[] = ['issuer', 'jwksUri', 'algorithms', 'audience'];
const SUPPORTED: ReadonlySet<string> = new Set(DEFAULT_ALGORITHMS);

/** Checks every option and fills in defaults; throws `TypeError` naming the first bad option. */
export function resolveOptions(options: JwtValidatorOptions): ResolvedOptions {
  assertKnownOptions(options, KNOWN_OPTIONS, 'jwtValidator');
  const algorithms = options.algorithms === undefined ? DEFAULT_ALGORITHMS : checkAlgorithms(options.algorithms, 'algorithms');
  const audience = options.audience === undefined ? undefined : checkAudience(options.audience, 'audience');
  const entries = issuerEntries(options.issuer);
  if (options.jwksUri !== undefined && entries.length !== 1) {
    throw new TypeError('jwksUri applies to a single issuer; give each issuer its own jwksUri instead');
  }
  const issuers = new Map<string, ResolvedIssuer>();
  entries.forEach((entry, index) => {
    const name = Array.isArray(options.issuer) ? `issuer[${index}]` : 'issuer';
    const resolved = resolveIssuer(entry, name, { algorithms, audience, jwksUri: options.jwksUri });
    if (issuers.has(resolved.issuer)) throw new TypeError(`${name} repeats ${JSON.stringify(resolved.issuer)}`);
    issuers.set(resolved.issuer, resolved);
  });
  if (options.fetch !== undefined && typeof options.fetch !== 'function') throw new TypeError('fetch must be a function');
  return {
    issuers,
    clockToleranceSeconds: numberOption(options.clockToleranceSeconds, 'clockToleranceSeconds', 30, { sign: 'non-negative', unit: 'seconds' }),
    subjectClaim: checkSubjectClaim(options.subjectClaim),
    requireJwtAccessTokenType: booleanOption(options.requireJwtAccessTokenType, 'requireJwtAccessTokenType', false),
    fetch: options.fetch,
    timeoutMs: numberOption(options.timeoutMs, 'timeoutMs', 5_000, { sign: 'positive', integer: true, unit: 'milliseconds' }),
    jwksCooldownMs: numberOption(options.jwksCooldownMs, 'jwksCooldownMs', 30_000, { sign: 'non-negative', unit: 'milliseconds' }),
    jwksCacheMaxAgeMs: numberOption(options.jwksCacheMaxAgeMs, 'jwksCacheMaxAgeMs', 600_000, { sign: 'positive', unit: 'milliseconds' }),
    discoveryCacheTtlMs: numberOption(options.discoveryCacheTtlMs, 'discoveryCacheTtlMs', 3_600_000, { sign: 'positive', unit: 'milliseconds' }),
    maxResponseBytes: numberOption(options.maxResponseBytes, 'maxResponseBytes', DEFAULT_MAX_RESPONSE_BYTES, { sign: 'positive', integer: true, unit: 'bytes' }),
    logger: loggerOption(options.logger),
  };
}

function issuerEntries(value: JwtValidatorOptions['issuer']): readonly (string | IssuerOptions)[] {
  if (Array.isArray(value)) {
    if (value.length === 0) throw new TypeError('issuer must name at least one issuer');
    return value as readonly (string | IssuerOptions)[];
  }
  if (typeof value === 'string' || (typeof value === 'object' && value !== null)) return [value as string | IssuerOptions];
  throw new TypeError('issuer must be an issuer identifier, an issuer object, or an array of them');
}

function resolveIssuer(
  entry: string | IssuerOptions,
  name: string,
  defaults: { algorithms: readonly JwtAlgorithm[]; audience: readonly string[] | undefined; jwksUri: string | undefined },
): ResolvedIssuer {
  if (typeof entry === 'string') {
    return {
      issuer: checkIssuer(entry, name),
      jwksUri: defaults.jwksUri === undefined ? undefined : checkHttpUrl(defaults.jwksUri, 'jwksUri'),
      algorithms: defaults.algorithms,
      audience: defaults.audience,
    };
  }
  if (typeof entry !== 'object' || entry === null) throw new TypeError(`${name} must be a string or an issuer object`);
  assertKnownOptions(entry, KNOWN_ISSUER_OPTIONS, `jwtValidator ${name}`);
  if (entry.jwksUri !== undefined && defaults.jwksUri !== undefined) {
    throw new TypeError(`set jwksUri either at the top level or in ${name}, not both`);
  }
  const jwksUri = entry.jwksUri ?? defaults.jwksUri;
  return {
    issuer: checkIssuer(entry.issuer, `${name}.issuer`),
    jwksUri: jwksUri === undefined ? undefined : checkHttpUrl(jwksUri, entry.jwksUri === undefined ? 'jwksUri' : `${name}.jwksUri`),
    algorithms: entry.algorithms === undefined ? defaults.algorithms : checkAlgorithms(entry.algorithms, `${name}.algorithms`),
    audience: entry.audience === undefined ? defaults.audience : checkAudience(entry.audience, `${name}.audience`),
  };
}

function checkIssuer(value: unknown, name: string): string {
  if (typeof value === 'string' && (value.includes('?') || value.includes('#'))) throw new TypeError(`${name} must not contain a query or fragment (RFC 8414)`);
  return httpUrl(value, name);
}

function checkHttpUrl(value: unknown, name: string): string {
  return httpUrl(value, name, { query: true });
}

function checkAlgorithms(value: unknown, name: string): readonly JwtAlgorithm[] {
  if (!Array.isArray(value) || value.length === 0) throw new TypeError(`${name} must be a non-empty array of algorithm names`);
  for (const alg of value as unknown[]) {
    if (typeof alg !== 'string') throw new TypeError(`${name} must contain only strings`);
    if (alg.toLowerCase() === 'none') throw new TypeError(`${name} must not contain "none": unsigned tokens are never accepted`);
    if (/^HS/i.test(alg)) {
      throw new TypeError(`${name} must not contain ${alg}: symmetric algorithms are never accepted (algorithm confusion)`);
    }
    if (!SUPPORTED.has(alg)) throw new TypeError(`${name} contains unsupported algorithm ${JSON.stringify(alg)}`);
  }
  return Object.freeze([...new Set(value as JwtAlgorithm[])]);
}

function checkAudience(value: unknown, name: string): readonly string[] {
  const list: unknown[] = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  if (list.length === 0) throw new TypeError(`${name} must be a non-empty string or a non-empty array of strings`);
  for (const item of list) {
    if (typeof item !== 'string' || item === '') throw new TypeError(`${name} must contain only non-empty strings`);
  }
  return Object.freeze([...(list as string[])]);
}

function checkSubjectClaim(value: unknown): string {
  if (value === undefined) return 'sub';
  if (typeof value !== 'string' || value === '') throw new TypeError('subjectClaim must be a non-empty string');
  return value;
}
