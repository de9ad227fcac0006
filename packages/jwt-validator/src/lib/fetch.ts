import {
  failSpan,
  fetchOption,
  httpClientAttributes,
  inSpan,
  isTimeout,
  lazyInstrument,
  raceAbort,
  readBoundedText,
  ResponseTooLargeError,
} from '@mcpgate/core/internal';
import type { FetchLike } from '../options.js';

/** The configured fetch, or the global one looked up at call time (so it can be replaced in tests). */
export function fetchOrGlobal(fetchImpl: FetchLike | undefined): FetchLike {
  return fetchImpl ?? fetchOption<FetchLike>(undefined);
}

/** A fetch that always honours `init.signal`, even when the underlying implementation ignores it. */
export function abortableFetch(fetchImpl: FetchLike): FetchLike {
  return (url, init) => raceAbort(fetchImpl(url, init), init.signal ?? undefined);
}

/**
 * A fetch whose 200 responses are read here, at most `maxBytes` bytes (see `readBoundedText`), and handed
 * on as a buffered `Response`: for callers such as jose's remote JWKS that would read the body unbounded.
 * Other statuses are handed on with their body cancelled.
 */
export function boundedFetch(fetchImpl: FetchLike, maxBytes: number): FetchLike {
  return async (url, init) => {
    const response = await fetchImpl(url, init);
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      return response;
    }
    const text = await readBoundedText(response, maxBytes, init.signal ?? undefined);
    const type = response.headers.get('content-type');
    return new Response(text, { status: 200, headers: type === null ? {} : { 'content-type': type } });
  };
}

/**
 * How a JWKS fetch ended, the `mcpgate.outcome` of its span and counter: `ok`; `http_error` (not 200);
 * `malformed` (200 without a JSON object holding a `keys` array); `too_large`; `timeout`; `unreachable`.
 */
type JwksOutcome = 'ok' | 'http_error' | 'malformed' | 'too_large' | 'timeout' | 'unreachable';

const jwksFetches = lazyInstrument((m) =>
  m.createCounter('mcpgate.jwks.fetches', { description: 'JWKS fetches (cache refreshes and unknown-kid refetches), by outcome', unit: '{fetch}' }),
);

/**
 * A fetch reported as the span `mcpgate.jwks.fetch` (a child of the active span: the validation that
 * needed the keys) and counted in `mcpgate.jwks.fetches` by outcome. Give it a fetch that honours the
 * signal (see {@link abortableFetch}), so the span ends when jose gives up.
 */
export function tracedJwksFetch(fetchImpl: FetchLike): FetchLike {
  return (url, init) => {
    let outcome: JwksOutcome = 'unreachable';
    return inSpan('mcpgate.jwks.fetch', { attributes: httpClientAttributes(init.method ?? 'GET', url) }, async (span) => {
      try {
        const response = await fetchImpl(url, init);
        span.setAttribute('http.response.status_code', response.status);
        if (response.status !== 200) {
          outcome = 'http_error';
          failSpan(span, String(response.status));
        } else if (!(await holdsKeys(response))) {
          outcome = 'malformed';
          failSpan(span, 'MalformedJwks');
        } else outcome = 'ok';
        return response;
      } catch (error) {
        outcome = error instanceof ResponseTooLargeError ? 'too_large' : isTimeout(error) ? 'timeout' : 'unreachable';
        throw error;
      } finally {
        span.setAttribute('mcpgate.outcome', outcome);
        jwksFetches().add(1, { 'mcpgate.outcome': outcome });
      }
    });
  };
}

/** Whether a (buffered) 200 answer is a JSON object with a `keys` array; jose checks the keys themselves. */
async function holdsKeys(response: Response): Promise<boolean> {
  try {
    const body: unknown = JSON.parse(await response.clone().text());
    return typeof body === 'object' && body !== null && Array.isArray((body as { keys?: unknown }).keys);
  } catch {
    return false;
  }
}
