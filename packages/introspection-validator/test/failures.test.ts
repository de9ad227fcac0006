import { describe, expect, it, vi } from 'vitest';
import { introspectionValidator } from '../src/index.js';
import { RESOURCE, activeClaims, baseOptions, fakeFetch, json } from './helpers.js';

const ctx = { resource: RESOURCE };

describe('an unreachable or failing authorization server', () => {
  it('answers 503 on HTTP 500, then succeeds once the server recovers', async () => {
    let status = 500;
    const { fetch, calls } = fakeFetch(() => (status === 200 ? json(activeClaims()) : new Response('oops', { status })));
    const validator = introspectionValidator({ ...baseOptions, fetch, retryAfterSeconds: 9 });
    await expect(validator.validate('tok', ctx)).rejects.toMatchObject({
      name: 'ServiceUnavailableError',
      code: 'ERR_UNAVAILABLE',
      dependency: 'introspection',
      retryAfter: 9,
    });
    status = 200;
    await expect(validator.validate('tok', ctx)).resolves.toMatchObject({ subject: 'user-1' });
    expect(calls).toHaveLength(2);
  });

  it('answers 503 when fetch never settles (timeout), aborting the request', async () => {
    const { fetch, calls } = fakeFetch(() => new Promise<Response>(() => undefined));
    const validator = introspectionValidator({ ...baseOptions, fetch, timeoutMs: 50 });
    const started = Date.now();
    await expect(validator.validate('tok', ctx)).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE', dependency: 'introspection' });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(calls[0]?.signal?.aborted).toBe(true);
  });

  it('answers 503 on network errors and bad JSON, without token bytes in the error', async () => {
    for (const answer of [() => Promise.reject(new TypeError('fetch failed')), () => Promise.resolve(new Response('<html>', { status: 200 }))]) {
      const { fetch } = fakeFetch(answer);
      const error: unknown = await introspectionValidator({ ...baseOptions, fetch }).validate('tok-bytes-123', ctx).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ERR_UNAVAILABLE', dependency: 'introspection' });
      expect(String((error as Error).message)).not.toContain('tok-bytes-123');
    }
  });

  it('warns once when the server refuses the client credentials (401)', async () => {
    const warn = vi.fn();
    const { fetch } = fakeFetch(() => json({ error: 'invalid_client' }, 401));
    const validator = introspectionValidator({ ...baseOptions, fetch, logger: { warn, error: warn } });
    for (const token of ['a', 'b']) await expect(validator.validate(token, ctx)).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE' });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(/clientSecret/);
  });

  it('lets one caller give up (ctx.signal) without cancelling the shared call', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { fetch, calls } = fakeFetch(async () => {
      await gate;
      return json(activeClaims());
    });
    const validator = introspectionValidator({ ...baseOptions, fetch });
    const controller = new AbortController();
    const leaving = validator.validate('tok', { resource: RESOURCE, signal: controller.signal });
    const staying = validator.validate('tok', ctx);
    controller.abort(new Error('client went away'));
    await expect(leaving).rejects.toThrow('client went away');
    release();
    await expect(staying).resolves.toMatchObject({ subject: 'user-1' });
    expect(calls).toHaveLength(1);
  });
});
