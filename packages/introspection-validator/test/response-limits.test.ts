import { describe, expect, it, vi } from 'vitest';
import { introspectionValidator } from '../src/index.js';
import { ISSUER, RESOURCE, activeClaims, baseOptions, fakeFetch, json } from './helpers.js';
import { endless, within, type Meter } from '../../../test/helpers/endless-response.js';

const ctx = { resource: RESOURCE };
const LIMIT = 65_536;
const CHUNK = 16_384; // what `endless` enqueues at a time

describe('maxResponseBytes: introspection answers', () => {
  it('stops reading an endless answer past 64 KiB, cancels it, answers 503 and warns', async () => {
    const meter: Meter = { bytes: 0, cancelled: false };
    const warn = vi.fn();
    const { fetch } = fakeFetch(() => endless(meter));
    const validator = introspectionValidator({ ...baseOptions, fetch, timeoutMs: 10_000, logger: { warn, error: warn } });
    await expect(within(2_000, validator.validate('tok', ctx))).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE', dependency: 'introspection' });
    expect(meter.cancelled).toBe(true);
    expect(meter.bytes).toBeLessThanOrEqual(LIMIT + 2 * CHUNK);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/larger than maxResponseBytes \(65536 bytes\)/));
    expect(JSON.stringify(warn.mock.calls)).not.toContain('tok');
  });

  it('refuses a large but otherwise valid active answer (an AS fault, 503)', async () => {
    const { fetch } = fakeFetch(() => json(activeClaims({ padding: 'x'.repeat(1_000_000) })));
    const validator = introspectionValidator({ ...baseOptions, fetch, logger: { warn: () => undefined, error: () => undefined } });
    await expect(validator.validate('tok', ctx)).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE', dependency: 'introspection' });
  });

  it('refuses an answer whose Content-Length is over the limit, and cancels its body', async () => {
    let cancelled = false;
    const body = new TextEncoder().encode(JSON.stringify(activeClaims()));
    const { fetch } = fakeFetch(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(body); // a valid answer, but never closed: only a declared size to go by
            },
            cancel() {
              cancelled = true;
            },
          }),
          { status: 200, headers: { 'content-type': 'application/json', 'content-length': '100000000' } },
        ),
    );
    const validator = introspectionValidator({ ...baseOptions, fetch, timeoutMs: 10_000, logger: { warn: () => undefined, error: () => undefined } });
    await expect(within(2_000, validator.validate('tok', ctx))).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE', dependency: 'introspection' });
    expect(cancelled).toBe(true);
  });

  it('refuses a small valid answer that declares a Content-Length over the limit', async () => {
    const { fetch } = fakeFetch(
      () => new Response(JSON.stringify(activeClaims()), { status: 200, headers: { 'content-type': 'application/json', 'content-length': '100000000' } }),
    );
    const validator = introspectionValidator({ ...baseOptions, fetch, logger: { warn: () => undefined, error: () => undefined } });
    await expect(validator.validate('tok', ctx)).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE', dependency: 'introspection' });
  });

  it('honours a custom maxResponseBytes and still accepts answers under it', async () => {
    const { fetch } = fakeFetch(() => json(activeClaims()));
    const logger = { warn: () => undefined, error: () => undefined };
    await expect(introspectionValidator({ ...baseOptions, fetch, maxResponseBytes: 100, logger }).validate('tok', ctx)).rejects.toMatchObject({
      code: 'ERR_UNAVAILABLE',
    });
    await expect(introspectionValidator({ ...baseOptions, fetch, logger }).validate('tok', ctx)).resolves.toMatchObject({ subject: 'user-1' });
  });

  it('checks maxResponseBytes', () => {
    expect(() => introspectionValidator({ ...baseOptions, maxResponseBytes: 0 })).toThrow(/maxResponseBytes/);
    expect(() => introspectionValidator({ ...baseOptions, maxResponseBytes: 1.5 })).toThrow(/maxResponseBytes/);
  });
});

describe('maxResponseBytes: discovery documents', () => {
  it('stops reading an endless metadata document, answers 503 (discovery) and warns', async () => {
    const meters: Meter[] = [];
    const warn = vi.fn();
    const { fetch } = fakeFetch(() => {
      const meter: Meter = { bytes: 0, cancelled: false };
      meters.push(meter);
      return endless(meter);
    });
    const { endpoint: _, ...discovering } = baseOptions;
    const validator = introspectionValidator({ ...discovering, fetch, timeoutMs: 10_000, logger: { warn, error: warn } });
    await expect(within(2_000, validator.validate('tok', ctx))).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE', dependency: 'discovery' });
    expect(meters.length).toBeGreaterThan(0);
    for (const meter of meters) {
      expect(meter.cancelled).toBe(true);
      expect(meter.bytes).toBeLessThanOrEqual(LIMIT + 2 * CHUNK);
    }
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/discovery document from https:\/\/as\.example\.com is larger than maxResponseBytes/));
  });

  it('refuses a metadata document whose Content-Length is over the limit', async () => {
    const metadata = JSON.stringify({ issuer: ISSUER, introspection_endpoint: `${ISSUER}/introspect` });
    const { fetch, calls } = fakeFetch((call) =>
      call.url.includes('/.well-known/')
        ? new Response(metadata, { headers: { 'content-type': 'application/json', 'content-length': '100000000' } })
        : json(activeClaims()),
    );
    const { endpoint: _, ...discovering } = baseOptions;
    const validator = introspectionValidator({ ...discovering, fetch, logger: { warn: () => undefined, error: () => undefined } });
    await expect(validator.validate('tok', ctx)).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE', dependency: 'discovery' });
    expect(calls.every((c) => c.url.includes('/.well-known/'))).toBe(true);
  });
});
