import { fetchOption, raceAbort, readBoundedText } from '@mcpgate/core/internal';
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
