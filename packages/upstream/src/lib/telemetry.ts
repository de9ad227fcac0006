import { lazyInstrument } from '@mcpgate/core/internal';

/**
 * How a refresh ended, the `mcpgate.outcome` of `mcpgate.upstream.refreshes` and of the span
 * `mcpgate.upstream.refresh`: `ok` (renewed and stored); `revoked` (the upstream server refused the refresh
 * token, or the set had none: the set is removed); `unavailable` (the upstream server could not be reached or
 * answered 5xx); `superseded` (refused because another instance had just renewed the set with the same
 * refresh token: its set is used); `store_error` (renewed, but the new set could not be stored); `error`
 * (anything else).
 */
export type RefreshOutcome = 'ok' | 'revoked' | 'unavailable' | 'superseded' | 'store_error' | 'error';

export const refreshes = lazyInstrument((m) =>
  m.createCounter('mcpgate.upstream.refreshes', {
    description: 'Upstream token refreshes attempted by this process (while holding the refresh lock), by outcome',
    unit: '{refresh}',
  }),
);

/**
 * How a wait for another holder's refresh lock ended: `acquired` (the lock was freed or expired, and taken),
 * `reused` (the holder stored a usable set), `timeout` (the holder kept it past `lockTtlMs`), `reconnect`
 * (the set is gone), `closed`, `error` (a store call failed).
 */
export type LockWaitOutcome = 'acquired' | 'reused' | 'timeout' | 'reconnect' | 'closed' | 'error';

export const lockWaits = lazyInstrument((m) =>
  m.createHistogram('mcpgate.upstream.lock.wait.duration', {
    description: "Time spent waiting for another holder's upstream refresh lock (only waits that happened), by outcome",
    unit: 's',
    advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30] },
  }),
);
