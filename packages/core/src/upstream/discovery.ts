import { ServiceUnavailableError } from '../errors.js';
import { DEFAULT_MAX_RESPONSE_BYTES, readBoundedText } from '../lib/bounded-body.js';
import { assertKnownOptions } from '../lib/known-options.js';
import { fetchFunction, httpUrl, positiveNumber } from './lib/options.js';

/** The upstream authorization server endpoints mcpgate uses. */
export interface UpstreamEndpoints {
  readonly tokenEndpoint: string;
  /** RFC 8628 `device_authorization_endpoint`; absent when the server does not offer the device flow. */
  readonly deviceAuthorizationEndpoint?: string | undefined;
  /** OpenID Connect `userinfo_endpoint`, when the server has one. */
  readonly userinfoEndpoint?: string | undefined;
}

/** Options of {@link upstreamDiscovery} and {@link authorizationServerMetadata}. Invalid or unknown options throw a `TypeError`. */
export interface UpstreamDiscoveryOptions {
  /** Issuer identifier of the upstream authorization server, exactly as it appears in its metadata. */
  readonly issuer: string;
  readonly fetch?: typeof fetch | undefined;
  /** Longest a metadata request may take, in milliseconds. Default 5,000. */
  readonly timeoutMs?: number | undefined;
  /** How long discovered metadata is reused, in milliseconds. Default one hour. */
  readonly cacheTtlMs?: number | undefined;
}

const OPTION_KEYS = Object.keys({ issuer: true, fetch: true, timeoutMs: true, cacheTtlMs: true } satisfies Record<keyof UpstreamDiscoveryOptions, true>);

/**
 * Discovers the upstream authorization server's endpoints from its RFC 8414 metadata
 * (`/.well-known/oauth-authorization-server`), falling back to OpenID Connect discovery; the answer is
 * cached for `cacheTtlMs` (failures are not cached) and concurrent callers share one request. The
 * metadata's `issuer` must equal the configured issuer (RFC 8414 §3.3).
 *
 * @example
 * ```ts
 * const endpoints = upstreamDiscovery({ issuer: 'https://login.example.com' });
 * const { tokenEndpoint } = await endpoints();
 * ```
 */
export function upstreamDiscovery(options: UpstreamDiscoveryOptions): () => Promise<UpstreamEndpoints> {
  checkOptions(options, 'upstreamDiscovery');
  const metadata = authorizationServerMetadata(options);
  const issuer = httpUrl(options.issuer, 'issuer');
  return async () => endpointsOf(await metadata(), issuer);
}

/**
 * The RFC 8414 metadata document of an authorization server (falling back to OpenID Connect discovery),
 * with its `issuer` checked against the configured one; cached for `cacheTtlMs` (failures are not cached),
 * concurrent callers share one request. Unreachable or invalid: `ServiceUnavailableError`.
 *
 * @example
 * ```ts
 * const metadata = authorizationServerMetadata({ issuer: 'https://login.example.com' });
 * const { token_endpoint } = await metadata();
 * ```
 */
export function authorizationServerMetadata(options: UpstreamDiscoveryOptions): () => Promise<Readonly<Record<string, unknown>>> {
  checkOptions(options, 'authorizationServerMetadata');
  const issuer = httpUrl(options.issuer, 'issuer');
  const fetchFn = fetchFunction(options.fetch, 'fetch');
  const timeoutMs = positiveNumber(options.timeoutMs ?? 5_000, 'timeoutMs', 'milliseconds');
  const cacheTtlMs = positiveNumber(options.cacheTtlMs ?? 3_600_000, 'cacheTtlMs', 'milliseconds');
  let cached: { readonly value: Promise<Readonly<Record<string, unknown>>>; readonly until: number } | undefined;

  return () => {
    if (cached !== undefined && cached.until > Date.now()) return cached.value;
    const value = discover(issuer, fetchFn, timeoutMs);
    const entry = { value, until: Infinity };
    cached = entry;
    value.then(
      () => {
        if (cached === entry) cached = { value, until: Date.now() + cacheTtlMs };
      },
      () => {
        if (cached === entry) cached = undefined;
      },
    );
    return value;
  };
}

function checkOptions(options: UpstreamDiscoveryOptions, owner: string): void {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${owner} needs an options object`);
  assertKnownOptions(options, OPTION_KEYS, owner);
}

async function discover(issuer: string, fetchFn: typeof fetch, timeoutMs: number): Promise<Readonly<Record<string, unknown>>> {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  const candidates = [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ];
  let lastError: unknown;
  for (const candidate of candidates) {
    let metadata: unknown;
    try {
      const response = await fetchFn(candidate, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
      if (response.status !== 200) {
        await response.body?.cancel();
        lastError = new Error(`${candidate} answered ${response.status}`);
        continue;
      }
      metadata = JSON.parse(await readBoundedText(response, DEFAULT_MAX_RESPONSE_BYTES));
    } catch (error) {
      lastError = error;
      continue;
    }
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw new ServiceUnavailableError(`authorization server metadata of ${issuer} is not a JSON object`, { dependency: 'discovery' });
    }
    if ((metadata as Record<string, unknown>)['issuer'] !== issuer) {
      throw new ServiceUnavailableError(
        `authorization server metadata of ${issuer} names another issuer (${JSON.stringify((metadata as Record<string, unknown>)['issuer'])})`,
        { dependency: 'discovery' },
      );
    }
    return metadata as Record<string, unknown>;
  }
  throw new ServiceUnavailableError(`cannot discover the authorization server ${issuer}`, { dependency: 'discovery', cause: lastError });
}

function endpointsOf(m: Readonly<Record<string, unknown>>, issuer: string): UpstreamEndpoints {
  const bad = (what: string): ServiceUnavailableError =>
    new ServiceUnavailableError(`upstream authorization server metadata of ${issuer} ${what}`, { dependency: 'discovery' });
  const url = (name: string): string | undefined => {
    const value = m[name];
    if (value === undefined) return undefined;
    try {
      return httpUrl(value, name);
    } catch {
      throw bad(`has an invalid ${name}`);
    }
  };
  const tokenEndpoint = url('token_endpoint');
  if (tokenEndpoint === undefined) throw bad('has no token_endpoint');
  return {
    tokenEndpoint,
    deviceAuthorizationEndpoint: url('device_authorization_endpoint'),
    userinfoEndpoint: url('userinfo_endpoint'),
  };
}
