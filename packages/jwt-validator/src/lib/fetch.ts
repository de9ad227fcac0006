import type { FetchLike } from '../options.js';
import { raceAbort } from './deadline.js';

/** The configured fetch, or the global one looked up at call time (so it can be replaced in tests). */
export function fetchOrGlobal(fetchImpl: FetchLike | undefined): FetchLike {
  return fetchImpl ?? ((url, init) => globalThis.fetch(url, init));
}

/** A fetch that always honours `init.signal`, even when the underlying implementation ignores it. */
export function abortableFetch(fetchImpl: FetchLike): FetchLike {
  return (url, init) => {
    const pending = fetchImpl(url, init);
    return init.signal ? raceAbort(pending, init.signal) : pending;
  };
}
