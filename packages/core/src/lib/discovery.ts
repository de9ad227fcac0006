import { ServiceUnavailableError } from '../errors.js';
import { DEFAULT_MAX_RESPONSE_BYTES, ResponseTooLargeError, readBoundedText } from './bounded-body.js';
import { isTimeout, withDeadline } from './deadline.js';
import type { Span } from '@opentelemetry/api';
import { lazyInstrument } from '../telemetry/otel.js';
import { inSpan, urlAttributes } from '../telemetry/outbound.js';

/**
 * Authorization server metadata discovery, the one copy every package uses: RFC 8414 first, then OpenID
 * Connect Discovery; the document's `issuer` must equal the configured issuer exactly (RFC 8414 §3.3);
 * documents are read within a size limit and a time limit, and cached with a time limit.
 */

/** An RFC 8414 / OpenID Connect metadata document whose `issuer` has been checked. */
export interface AuthorizationServerMetadata {
  readonly issuer: string;
  readonly [member: string]: unknown;
}

/** The `fetch` discovery uses (the global `fetch` has this shape). */
export type DiscoveryFetch = (url: string, init: RequestInit) => Promise<Response>;

export interface DiscoveryOptions {
  /** Default: the global `fetch`, looked up at call time. */
  readonly fetch?: DiscoveryFetch | undefined;
  /** Longest one metadata request may take, body included, in milliseconds. Default 5,000. */
  readonly timeoutMs?: number | undefined;
  /** Largest document read, in bytes; a larger one is cancelled and passed over. Default 65,536 (64 KiB). */
  readonly maxResponseBytes?: number | undefined;
  /** Members the document must carry as absolute http(s) URLs (e.g. `jwks_uri`); a document without them is passed over. */
  readonly requires?: readonly string[] | undefined;
  /** Told (without token bytes) when a document is larger than `maxResponseBytes`. */
  readonly onTooLarge?: ((message: string) => void) | undefined;
}

/**
 * Where an issuer's metadata may live, in the order tried: RFC 8414 (the well-known segment inserted
 * before the issuer's path), then OpenID Connect Discovery 1.0 (appended), then the inserted OpenID form
 * (the order the MCP specification gives for an issuer with a path).
 */
export function discoveryUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  const origin = url.origin;
  if (path === '') return [`${origin}/.well-known/oauth-authorization-server`, `${origin}/.well-known/openid-configuration`];
  return [
    `${origin}/.well-known/oauth-authorization-server${path}`,
    `${origin}${path}/.well-known/openid-configuration`,
    `${origin}/.well-known/openid-configuration${path}`,
  ];
}

/**
 * Failures that say the issuer could not answer (unreachable, timed out, 5xx) rather than that its
 * document is wrong: only these are bridged with the last good document.
 */
const transient = new WeakSet<Error>();

/**
 * Fetches an issuer's metadata from the first location of {@link discoveryUrls} that holds an acceptable
 * document. A location answering other than 200, with something other than a JSON object, a document
 * larger than the limit, naming another issuer, or lacking a `requires` member is passed over; a network
 * failure or a timeout ends the search (every location is on the same host).
 *
 * Reported as one span per discovery, `mcpgate.discovery` (a child of the active span; `url.full` and
 * `http.response.status_code` of the last location fetched, `mcpgate.discovery.attempts`, an event
 * `mcpgate.discovery.passed_over` per location passed over, `mcpgate.outcome`), and counted in
 * `mcpgate.discovery.requests` by outcome.
 *
 * @throws ServiceUnavailableError (`dependency: 'discovery'`) naming every location tried and why it was passed over.
 */
export async function discoverAuthorizationServer(issuer: string, options: DiscoveryOptions = {}): Promise<AuthorizationServerMetadata> {
  let outcome: DiscoveryOutcome = 'error';
  try {
    return await inSpan('mcpgate.discovery', { attributes: { 'http.request.method': 'GET', 'mcpgate.issuer': issuerAttribute(issuer) } }, async (span) => {
      const found = await discover(issuer, options, span);
      outcome = found.outcome;
      span.setAttribute('mcpgate.outcome', outcome);
      if (found.error !== undefined) throw found.error;
      return found.metadata as AuthorizationServerMetadata;
    });
  } finally {
    discoveries().add(1, { 'mcpgate.outcome': outcome });
  }
}

/**
 * How a discovery ended, the `mcpgate.outcome` of its span and counter: `ok`; `unusable` (every location
 * answered, none with an acceptable document); `server_error` (the same, one of them with a 5xx);
 * `timeout`; `unreachable` (a network failure); `error` (anything else).
 */
type DiscoveryOutcome = 'ok' | 'unusable' | 'server_error' | 'timeout' | 'unreachable' | 'error';

const discoveries = lazyInstrument((m) =>
  m.createCounter('mcpgate.discovery.requests', {
    description: 'Authorization server metadata discoveries (each fetches up to three locations), by outcome',
    unit: '{discovery}',
  }),
);

async function discover(
  issuer: string,
  options: DiscoveryOptions,
  span: Span,
): Promise<{ outcome: DiscoveryOutcome; metadata?: AuthorizationServerMetadata; error?: ServiceUnavailableError }> {
  const fetchImpl: DiscoveryFetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const misses: string[] = [];
  let serverError = false;
  let attempts = 0;
  for (const url of discoveryUrls(issuer)) {
    span.setAttributes({ ...urlAttributes(url), 'mcpgate.discovery.attempts': ++attempts });
    let document: Record<string, unknown> | string | typeof TOO_LARGE;
    let status: number | undefined;
    try {
      document = await withDeadline(
        timeoutMs,
        (signal) => fetchDocument(fetchImpl, url, maxBytes, signal, (s) => (status = s)),
        () => new DiscoveryTimeout(timeoutMs),
      );
    } catch (cause) {
      const timedOut = isTimeout(cause);
      const what = timedOut ? `timed out after ${timeoutMs} ms` : 'failed';
      const error = new ServiceUnavailableError(`metadata request for issuer ${issuer} ${what} (${url})`, { dependency: 'discovery', cause });
      transient.add(error);
      return { outcome: timedOut ? 'timeout' : 'unreachable', error };
    }
    if (status !== undefined) span.setAttribute('http.response.status_code', status);
    if (document === TOO_LARGE) {
      options.onTooLarge?.(`[mcpgate] a discovery document from ${new URL(url).origin} is larger than maxResponseBytes (${maxBytes} bytes); refused it`);
      document = `larger than ${maxBytes} bytes`;
    }
    const problem = typeof document === 'string' ? document : problemOf(document, issuer, options.requires ?? []);
    if (problem === undefined) return { outcome: 'ok', metadata: document as AuthorizationServerMetadata };
    span.addEvent('mcpgate.discovery.passed_over', {
      ...urlAttributes(url),
      ...(status !== undefined ? { 'http.response.status_code': status } : {}),
      'mcpgate.reason': reasonOf(problem),
    });
    misses.push(`${url} (${problem})`);
    if (/^HTTP 5\d\d$/.test(problem)) serverError = true;
  }
  const error = new ServiceUnavailableError(`no usable authorization server metadata for issuer ${issuer}: tried ${misses.join(', ')}`, { dependency: 'discovery' });
  if (serverError) transient.add(error);
  return { outcome: serverError ? 'server_error' : 'unusable', error };
}

/** The issuer as configured (exactly), unless it carries a query, a fragment or credentials (RFC 8414 forbids them): then without. */
function issuerAttribute(issuer: string): string {
  if (!URL.canParse(issuer)) return '';
  const u = new URL(issuer);
  return u.search === '' && u.hash === '' && u.username === '' && u.password === '' ? issuer : String(urlAttributes(issuer)['url.full']);
}

/** A short stable reason for a location passed over (never the document's content). */
function reasonOf(problem: string): string {
  if (problem.startsWith('HTTP ')) return 'http_status';
  if (problem.startsWith('larger than')) return 'too_large';
  if (problem.startsWith('names issuer')) return 'issuer_mismatch';
  if (problem.startsWith('has no usable')) return 'missing_member';
  if (problem === 'not JSON') return 'not_json';
  return 'not_json_object';
}

class DiscoveryTimeout extends Error {
  override readonly name = 'TimeoutError';
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

const TOO_LARGE: unique symbol = Symbol('too large');

/** The parsed JSON object, or why this location is passed over. Network failures reject. */
async function fetchDocument(
  fetchImpl: DiscoveryFetch,
  url: string,
  maxBytes: number,
  signal: AbortSignal,
  onStatus: (status: number) => void,
): Promise<Record<string, unknown> | string | typeof TOO_LARGE> {
  const response = await fetchImpl(url, { method: 'GET', headers: { accept: 'application/json' }, redirect: 'manual', signal });
  onStatus(response.status);
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined);
    return `HTTP ${response.status}`;
  }
  let text: string;
  try {
    text = await readBoundedText(response, maxBytes, signal);
  } catch (error) {
    if (error instanceof ResponseTooLargeError) return TOO_LARGE;
    throw error;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : 'not a JSON object';
}

function problemOf(document: Record<string, unknown>, issuer: string, requires: readonly string[]): string | undefined {
  if (document['issuer'] !== issuer) return `names issuer ${JSON.stringify(document['issuer'])}, expected exactly ${JSON.stringify(issuer)}`;
  for (const member of requires) {
    const value = document[member];
    if (typeof value !== 'string' || !URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) return `has no usable ${member}`;
  }
  return undefined;
}

export interface CachedDiscoveryOptions extends DiscoveryOptions {
  /** How long a document is reused before it is fetched again, in milliseconds. Default one hour. */
  readonly cacheTtlMs?: number | undefined;
}

/** How much older than its TTL the last good document may grow while refreshes keep failing. */
const STALE_FACTOR = 24;
/** While a stale document is served, how long to wait between attempts to refresh it, in milliseconds (capped by the TTL). */
const STALE_RETRY_MS = 5_000;

/**
 * An issuer's metadata, fetched lazily and cached for `cacheTtlMs`; concurrent callers share one
 * discovery. When the issuer cannot answer (unreachable, timed out, 5xx), the last good document keeps
 * being served until it is 24 × the TTL old, and while it is, the issuer is asked again only every few
 * seconds. When it answers with a wrong document (another issuer, no usable endpoint, not JSON, 404), the
 * failure stands at once: no stale document is served. With no document to serve, every call asks again
 * (concurrent ones share one request), so a server started during an outage recovers as soon as the
 * issuer is back.
 *
 * @example
 * ```ts
 * const metadata = cachedDiscovery('https://login.example.com', { requires: ['token_endpoint'] });
 * const { token_endpoint } = await metadata();
 * ```
 */
export function cachedDiscovery(issuer: string, options: CachedDiscoveryOptions = {}): () => Promise<AuthorizationServerMetadata> {
  const ttlMs = options.cacheTtlMs ?? 3_600_000;
  const retryMs = Math.min(STALE_RETRY_MS, ttlMs);
  let good: { readonly metadata: AuthorizationServerMetadata; readonly at: number } | undefined;
  /** The last failed refresh that was bridged with a stale document. */
  let bridged: { readonly at: number; readonly metadata: AuthorizationServerMetadata } | undefined;
  let pending: Promise<AuthorizationServerMetadata> | undefined;
  const stale = (now: number): AuthorizationServerMetadata | undefined =>
    good !== undefined && now - good.at < ttlMs * STALE_FACTOR ? good.metadata : undefined;

  const refresh = async (): Promise<AuthorizationServerMetadata> => {
    try {
      const metadata = await discoverAuthorizationServer(issuer, options);
      good = { metadata, at: Date.now() };
      bridged = undefined;
      return metadata;
    } catch (cause) {
      const error =
        cause instanceof ServiceUnavailableError
          ? cause
          : new ServiceUnavailableError('authorization server discovery failed', { dependency: 'discovery', cause });
      const last = transient.has(error) ? stale(Date.now()) : undefined;
      bridged = last === undefined ? undefined : { at: Date.now(), metadata: last };
      if (last === undefined) throw error;
      return last;
    }
  };

  return () => {
    const now = Date.now();
    if (good !== undefined && now - good.at < ttlMs) return Promise.resolve(good.metadata);
    if (bridged !== undefined && now - bridged.at < retryMs) return Promise.resolve(bridged.metadata);
    pending ??= refresh().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}
