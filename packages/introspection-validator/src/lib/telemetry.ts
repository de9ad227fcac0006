import { lazyInstrument } from '@mcpgate/core/internal';

/**
 * How an introspection call ended, the `mcpgate.outcome` of its span and counter: `active`, `inactive`
 * (the authorization server answered), `http_error` (a status other than 200), `malformed` (200 with an
 * answer that is not a valid RFC 7662 response), `too_large`, `timeout`, `unreachable`.
 */
export type IntrospectionOutcome = 'active' | 'inactive' | 'http_error' | 'malformed' | 'too_large' | 'timeout' | 'unreachable';

export const introspections = lazyInstrument((m) =>
  m.createCounter('mcpgate.introspection.requests', { description: 'Token introspection calls (RFC 7662), by outcome', unit: '{request}' }),
);

export const cacheLookups = lazyInstrument((m) =>
  m.createCounter('mcpgate.introspection.cache.lookups', {
    description: 'Introspection answer cache lookups, by result (hit, miss); concurrent validations of one token share one lookup',
    unit: '{lookup}',
  }),
);
