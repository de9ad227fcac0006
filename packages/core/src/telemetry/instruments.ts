import { lazyInstrument } from './otel.js';

/**
 * The metrics of core. Names follow the OpenTelemetry conventions (dot-separated, unit in `unit`, not in
 * the name) under the `mcpgate.` prefix; durations are histograms in seconds.
 */
export const decisions = lazyInstrument((m) =>
  m.createCounter('mcpgate.auth.decisions', { description: 'Authentication decisions, by outcome (ok, invalid_token:<reason>, ...)', unit: '{decision}' }),
);
export const decisionDuration = lazyInstrument((m) =>
  m.createHistogram('mcpgate.auth.decision.duration', {
    description: 'Time to decide on one request (credentials to scopes, the body read included)',
    unit: 's',
    advice: { explicitBucketBoundaries: [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] },
  }),
);
export const tokenCacheLookups = lazyInstrument((m) =>
  m.createCounter('mcpgate.token_cache.lookups', { description: 'Verified-token cache lookups, by result (hit, miss)', unit: '{lookup}' }),
);
export const storeOperations = lazyInstrument((m) =>
  m.createHistogram('mcpgate.store.operation.duration', {
    description: 'Duration of store calls, by store kind, operation and outcome',
    unit: 's',
    advice: { explicitBucketBoundaries: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] },
  }),
);
export const storeErrors = lazyInstrument((m) => m.createCounter('mcpgate.store.errors', { description: 'Store calls that failed or timed out', unit: '{error}' }));
export const activeSessions = lazyInstrument((m) =>
  m.createUpDownCounter('mcpgate.sessions.active', { description: 'Session bindings made minus those removed by this process', unit: '{session}' }),
);
export const rateLimited = lazyInstrument((m) => m.createCounter('mcpgate.rate_limit.refusals', { description: 'Requests refused by the rate limit', unit: '{request}' }));
