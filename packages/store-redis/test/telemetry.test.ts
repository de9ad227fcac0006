/**
 * What an operator sees of the Redis store, with a real OpenTelemetry SDK in memory: a span per command,
 * a child of the active span, with the database semantic conventions; never keys, values or the password.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@mcpgate/core';
import { redisStore } from '../src/index.js';
import { freePort, REDIS_URL, redisAvailable } from './helpers.js';
import { inMemoryOtel } from '../../../test/helpers/otel.js';

const otel = inMemoryOtel();
beforeAll(() => {
  otel.register();
});

const available = await redisAvailable('store-redis telemetry');
const server = new URL(REDIS_URL);
const silent = { warn: () => undefined, error: () => undefined };
const KEY = 'mcpgate:v1:upstream:5e1f0c0ffee0ddba11c0ffee';
const VALUE = { sealed: 'sealed-value-bytes-7a7a7a' };

describe('redis store spans', () => {
  const stores: Store[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });
  const open = (uri = REDIS_URL, extra: Record<string, unknown> = {}): Store => {
    const store = redisStore({ uri, keyPrefix: `test:${Math.random().toString(36).slice(2)}:`, logger: silent, ...extra });
    stores.push(store);
    return store;
  };

  it.runIf(available)('one span per call, named after its command, a child of the active span; never keys or values', async () => {
    const store = open();
    await store.get('warm-up'); // the connection is made outside the measured calls
    otel.reset();
    const { parent, error } = await otel.underParent(async () => {
      await store.set(KEY, VALUE, 10_000);
      await store.get(KEY);
      await store.add(`${KEY}:lock`, 'owner-secret-1', 10_000);
      await store.setIfEquals?.(KEY, VALUE, { sealed: 'sealed-value-bytes-8b8b8b' }, 10_000);
      await store.deleteIfEquals(`${KEY}:lock`, 'owner-secret-1');
      await store.delete(KEY);
    });
    expect(error).toBeUndefined();
    const spans = (await otel.spans()).filter((s) => s.instrumentationScope.name === 'mcpgate');
    expect(spans.map((s) => [s.name, s.attributes['mcpgate.store.operation']])).toEqual([
      ['SET', 'set'],
      ['GET', 'get'],
      ['SET', 'add'],
      ['EVAL', 'setIfEquals'],
      ['EVAL', 'deleteIfEquals'],
      ['DEL', 'delete'],
    ]);
    for (const span of spans) {
      expect(span.kind).toBe(SpanKind.CLIENT);
      expect(span.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      expect(span.attributes).toEqual({
        'db.system.name': 'redis',
        'db.operation.name': span.name,
        'mcpgate.store.operation': span.attributes['mcpgate.store.operation'],
        'server.address': server.hostname,
        'server.port': server.port === '' ? 6379 : Number(server.port),
        ...(/^\/\d+$/.test(server.pathname) ? { 'db.namespace': server.pathname.slice(1) } : {}),
      });
    }
    const everything = await otel.everything();
    for (const secret of ['5e1f0c0ffee0ddba11c0ffee', 'sealed-value-bytes', 'owner-secret-1', 'test:']) expect(everything).not.toContain(secret);
  });

  it('a failed call: span status ERROR with the error name only; never the password', async () => {
    const store = open(`redis://mcp:s3cret-pw@127.0.0.1:${await freePort()}`, { connectTimeoutMs: 300 });
    otel.reset();
    const { parent, error } = await otel.underParent(() => store.get(KEY));
    expect(error).toBeInstanceOf(Error);
    const [span] = (await otel.spans()).filter((s) => s.name === 'GET');
    expect(span?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: (error as Error).name });
    expect(span?.attributes).toMatchObject({ 'db.system.name': 'redis', 'server.address': '127.0.0.1', 'error.type': (error as Error).name });
    const everything = await otel.everything();
    expect(everything).not.toContain('s3cret-pw');
    expect(everything).not.toContain((error as Error).message);
    expect(everything).not.toContain('5e1f0c0ffee0ddba11c0ffee');
  });

  it('a call after close is a failed span too', async () => {
    const store = redisStore({ uri: `redis://127.0.0.1:${await freePort()}`, connectTimeoutMs: 300, logger: silent });
    await store.close();
    otel.reset();
    await expect(store.delete(KEY)).rejects.toThrow(/closed/);
    const [span] = await otel.named('DEL');
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'Error' });
  });
});
