import { ResponseTooLargeError, readBoundedText } from '@mcpgate/core/internal';
import { withDeadline } from './deadline.js';

/** How long a discovered endpoint is reused before the metadata is fetched again, in milliseconds. */
export const DISCOVERY_TTL_MS = 60 * 60_000;
const STALE_RETRY_MS = 60_000;

/** RFC 8414 §3.1 URL (well-known segment inserted before the issuer's path), then OpenID Connect Discovery's (appended). */
export function discoveryUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return [`${url.origin}/.well-known/oauth-authorization-server${path}`, `${url.origin}${path}/.well-known/openid-configuration`];
}

export interface EndpointResolverOptions {
  readonly issuer: string;
  readonly fetch: typeof fetch;
  /** Longest one metadata request may take, in milliseconds (body included). */
  readonly timeoutMs: number;
  /** Largest metadata document read, in bytes. */
  readonly maxResponseBytes: number;
  /** The error to reject with when no endpoint is known. */
  readonly unavailable: (message: string, cause?: unknown) => Error;
  /** Called when a document is larger than `maxResponseBytes`. */
  readonly onTooLarge: () => void;
}

async function fetchEndpoint(options: EndpointResolverOptions, url: string, signal: AbortSignal): Promise<string | undefined> {
  const { issuer } = options;
  const response = await options.fetch(url, { headers: { accept: 'application/json' }, redirect: 'manual', signal });
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined);
    return undefined;
  }
  const text = await readBoundedText(response, options.maxResponseBytes, signal);
  let metadata: unknown;
  try {
    metadata = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const { issuer: claimed, introspection_endpoint: endpoint } = metadata as Record<string, unknown>;
  if (claimed !== issuer || typeof endpoint !== 'string' || !URL.canParse(endpoint)) return undefined;
  return endpoint;
}

/**
 * Resolves and caches `introspection_endpoint` for `issuer`: one metadata fetch in flight at a time,
 * reused for {@link DISCOVERY_TTL_MS}; when a refresh fails the previous endpoint is kept (and the
 * refresh retried a minute later). A document larger than `maxResponseBytes` is cancelled and refused.
 * Rejects with the error of `unavailable()` when no endpoint is known.
 */
export function endpointResolver(options: EndpointResolverOptions): () => Promise<string> {
  const { issuer, timeoutMs, unavailable } = options;
  let known: { endpoint: string; until: number } | undefined;
  let pending: Promise<string> | undefined;

  const discover = async (): Promise<string> => {
    let lastError: unknown;
    for (const url of discoveryUrls(issuer)) {
      try {
        const endpoint = await withDeadline(timeoutMs, (signal) => fetchEndpoint(options, url, signal), () =>
          unavailable(`discovery at ${url} timed out after ${timeoutMs} ms`),
        );
        if (endpoint !== undefined) return endpoint;
      } catch (error) {
        if (error instanceof ResponseTooLargeError) options.onTooLarge();
        lastError = error;
      }
    }
    throw unavailable(`no introspection_endpoint discovered for issuer ${issuer}`, lastError);
  };

  return () => {
    if (known !== undefined && known.until > Date.now()) return Promise.resolve(known.endpoint);
    pending ??= discover()
      .then((endpoint) => {
        known = { endpoint, until: Date.now() + DISCOVERY_TTL_MS };
        return endpoint;
      })
      .catch((error: unknown) => {
        if (known === undefined) throw error;
        known = { endpoint: known.endpoint, until: Date.now() + STALE_RETRY_MS };
        return known.endpoint;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}
