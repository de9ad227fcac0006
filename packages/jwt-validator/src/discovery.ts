import { ServiceUnavailableError } from '@mcpgate/core';
import { readBoundedText, ResponseTooLargeError } from '@mcpgate/core/internal';
import { isTimeout, raceAbort } from './lib/deadline.js';
import { discoveryUrls } from './lib/discovery-urls.js';
import { fetchOrGlobal } from './lib/fetch.js';
import { DEFAULT_MAX_RESPONSE_BYTES, type FetchLike } from './options.js';

/** The members of RFC 8414 / OpenID Connect metadata this package relies on; the rest is kept as is. */
export interface AuthorizationServerMetadata {
  readonly issuer: string;
  readonly jwks_uri: string;
  readonly [member: string]: unknown;
}

/** Options of {@link discoverAuthorizationServer}. */
export interface DiscoveryOptions {
  /** `fetch` to use. Default: the global `fetch`. */
  readonly fetch?: FetchLike | undefined;
  /** Longest each metadata request may take, in milliseconds (body included). Default 5,000. */
  readonly timeoutMs?: number | undefined;
  /** Largest metadata document read, in bytes; a larger one is cancelled and refused. Default 65,536 (64 KiB). */
  readonly maxResponseBytes?: number | undefined;
}

/**
 * Fetches and checks an issuer's metadata: RFC 8414 first, then OpenID Connect Discovery. A document
 * whose `issuer` differs from `issuer` (exact comparison), that has no `jwks_uri`, or that is larger than
 * `maxResponseBytes` is refused.
 *
 * @example
 * ```ts
 * const metadata = await discoverAuthorizationServer('https://login.example.com/tenant');
 * console.log(metadata.jwks_uri);
 * ```
 * @throws ServiceUnavailableError (`dependency: 'discovery'`) when no acceptable document could be fetched.
 */
export async function discoverAuthorizationServer(issuer: string, options: DiscoveryOptions = {}): Promise<AuthorizationServerMetadata> {
  const fetchImpl = fetchOrGlobal(options.fetch);
  const limits = { timeoutMs: options.timeoutMs ?? 5_000, maxBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES };
  const misses: string[] = [];
  for (const url of discoveryUrls(issuer)) {
    const document = await fetchDocument(fetchImpl, url, limits, issuer);
    if (typeof document === 'string') {
      misses.push(`${url} (${document})`);
      continue;
    }
    return checkMetadata(document, issuer, url);
  }
  throw unavailable(`no authorization server metadata found for issuer ${issuer}: tried ${misses.join(', ')}`);
}

/** The parsed JSON object, or a short reason to try the next location. Network failures throw. */
async function fetchDocument(
  fetchImpl: FetchLike,
  url: string,
  { timeoutMs, maxBytes }: { timeoutMs: number; maxBytes: number },
  issuer: string,
): Promise<Record<string, unknown> | string> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    return await raceAbort(
      (async () => {
        const response = await fetchImpl(url, { method: 'GET', headers: { accept: 'application/json' }, signal });
        if (response.status !== 200) {
          await response.body?.cancel().catch(() => undefined);
          return `HTTP ${response.status}`;
        }
        let text: string;
        try {
          text = await readBoundedText(response, maxBytes, signal);
        } catch (error) {
          if (error instanceof ResponseTooLargeError) return `larger than ${maxBytes} bytes`;
          throw error;
        }
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          return 'not JSON';
        }
        return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : 'not a JSON object';
      })(),
      signal,
    );
  } catch (cause) {
    const what = isTimeout(cause) ? `timed out after ${timeoutMs} ms` : 'failed';
    throw unavailable(`metadata request for issuer ${issuer} ${what} (${url})`, cause);
  }
}

function checkMetadata(document: Record<string, unknown>, issuer: string, url: string): AuthorizationServerMetadata {
  if (document['issuer'] !== issuer) {
    throw unavailable(
      `metadata at ${url} names issuer ${JSON.stringify(document['issuer'])}, expected exactly ${JSON.stringify(issuer)}`,
    );
  }
  const jwksUri = document['jwks_uri'];
  if (typeof jwksUri !== 'string' || !URL.canParse(jwksUri) || !/^https?:$/.test(new URL(jwksUri).protocol)) {
    throw unavailable(`metadata at ${url} has no usable jwks_uri`);
  }
  return document as AuthorizationServerMetadata;
}

function unavailable(message: string, cause?: unknown): ServiceUnavailableError {
  return new ServiceUnavailableError(message, cause === undefined ? { dependency: 'discovery' } : { dependency: 'discovery', cause });
}
