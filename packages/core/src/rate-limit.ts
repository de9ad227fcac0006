import { InvalidRequestError, RateLimitedError } from './errors.js';
import { sha256 } from './lib/hash.js';
import { assertKnownOptions } from './lib/known-options.js';
import { numberOption } from './lib/option-values.js';
import { normalizedUri } from './lib/uri-template.js';
import type { McpOperation } from './operations.js';
import { rateLimited } from './telemetry/instruments.js';
import type { JsonValue, Principal, Store } from './types.js';

/** Options of `createMcpAuth({ rateLimit })`. Unknown keys throw a `TypeError`. */
export interface RateLimitOptions {
  /** Requests allowed per `windowMs`, and the largest burst. */
  readonly limit: number;
  /** The window, in milliseconds: `{ limit: 120, windowMs: 60_000 }` is 120 requests a minute, two a second on average. */
  readonly windowMs: number;
  /** Keep separate buckets per OAuth client and/or per operation (tool, resource or prompt) besides the principal. Default: the principal only. */
  readonly per?: readonly ('client' | 'operation')[];
}

/**
 * Charges a request of `messages` JSON-RPC messages (a batch runs each) to the principal's bucket(s).
 * @throws RateLimitedError when a bucket holds less; InvalidRequestError when `messages` exceeds `limit`.
 */
export type RateLimiter = (principal: Principal, operations: readonly McpOperation[], messages?: number) => Promise<void>;

const ATTEMPTS = 5;

/**
 * Token buckets in the store (GCRA: the bucket is one timestamp, the "theoretical arrival time"),
 * updated with an atomic compare-and-set (`add`, then `setIfEquals`), so instances sharing a store share
 * the limit. A store that cannot be reached answers 503 (fail closed): an outage never means "unlimited".
 */
export function rateLimiter(options: RateLimitOptions, store: Store): RateLimiter {
  assertKnownOptions(options, ['limit', 'windowMs', 'per'], 'rateLimit');
  const limit = numberOption(options.limit, 'rateLimit.limit', 0, { sign: 'positive', integer: true });
  const windowMs = numberOption(options.windowMs, 'rateLimit.windowMs', 0, { sign: 'positive', unit: 'milliseconds' });
  const per = options.per ?? [];
  if (!Array.isArray(per) || !per.every((p) => p === 'client' || p === 'operation')) throw new TypeError("rateLimit.per must list 'client' and/or 'operation'");
  if (store.setIfEquals === undefined) throw new TypeError(`rateLimit needs a store with setIfEquals (compare-and-set); the ${store.kind} store has none`);
  const setIfEquals = store.setIfEquals.bind(store);
  const interval = windowMs / limit;

  const charge = async (key: string, cost: number): Promise<void> => {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const stored = await store.get<JsonValue>(key);
      const now = Date.now();
      const tat = Math.max(typeof stored === 'number' && Number.isFinite(stored) ? stored : now, now) + cost * interval;
      const waitMs = tat - now - windowMs;
      if (waitMs > 0) throw new RateLimitedError('rate limit exceeded', Math.ceil(waitMs / 1000));
      const ttl = Math.ceil(tat - now);
      if (stored === undefined ? await store.add(key, tat, ttl) : await setIfEquals(key, stored, tat, ttl)) return;
    }
    // the bucket changed under every attempt: others are spending it as fast as this caller
    throw new RateLimitedError('rate limit exceeded', Math.ceil(interval / 1000));
  };

  return async (principal, operations, messages = 1) => {
    const cost = Math.max(1, Math.floor(messages));
    // a batch larger than the burst could never pass: a permanent refusal, not "retry later"
    if (cost > limit) throw new InvalidRequestError(`Invalid Request: a batch of ${cost} messages exceeds the rate limit (${limit} per ${windowMs} ms)`, { jsonRpcCode: -32600 });
    const who = [principal.issuer, principal.subject, per.includes('client') ? principal.clientId : ''];
    // a resource is keyed as the SDKs look it up, so every spelling of one URI shares its bucket
    const targets = per.includes('operation') && operations.length > 0 ? operations.map((op) => `${op.kind}:${op.kind === 'resource' ? (normalizedUri(op.name) ?? op.name) : op.name}`) : [''];
    try {
      // every bucket a batch touches is charged for the whole batch (an upper bound of what it runs there)
      for (const target of new Set(targets)) await charge(`ratelimit:${sha256(JSON.stringify([...who, target]))}`, cost);
    } catch (error) {
      if (error instanceof RateLimitedError) rateLimited().add(1);
      throw error;
    }
  };
}
