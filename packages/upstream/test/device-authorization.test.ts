import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryStore } from '@mcpgate/core';
import { createUpstreamCredentials, type UpstreamCredentialsOptions } from '../src/upstream-credentials.js';
import type { DeviceAuthorizationOutcome } from '../src/device-authorization.js';
import { FakeAuthorizationServer, ISSUER, alice, bob, type DeviceStep } from './fake-authorization-server.js';

function setup(script: DeviceStep[], overrides: Partial<UpstreamCredentialsOptions> = {}) {
  const as = new FakeAuthorizationServer();
  as.deviceScript = script;
  const outcomes: DeviceAuthorizationOutcome[] = [];
  const upstream = createUpstreamCredentials({
    store: memoryStore(),
    issuer: ISSUER,
    clientId: 'up',
    fetch: as.fetch,
    logger: { warn: () => {}, error: () => {} },
    onDeviceAuthorizationSettled: (principal, outcome) => outcomes.push(outcome),
    ...overrides,
  });
  return { as, upstream, outcomes };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('device authorization (RFC 8628)', () => {
  it('polls in the background honouring interval and slow_down, and stores the set for the starting principal only', async () => {
    const { as, upstream, outcomes } = setup(['authorization_pending', 'authorization_pending', 'slow_down', 'success']);
    const prompt = await upstream.startDeviceAuthorization(alice);
    expect(prompt).toEqual({
      verification_uri: `${ISSUER}/activate`,
      verification_uri_complete: `${ISSUER}/activate?user_code=UC-1`,
      user_code: 'UC-1',
      expires_in: 600,
    });
    const started = Date.now();
    await vi.advanceTimersByTimeAsync(15_000);
    expect(as.devicePolls.map((t) => t - started)).toEqual([5_000, 10_000, 15_000]);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(as.devicePolls).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(as.devicePolls).toHaveLength(4);
    expect(outcomes).toEqual(['connected']);
    expect(await upstream.accessToken(alice)).toMatch(/^at-/);
    await expect(upstream.accessToken(bob)).rejects.toMatchObject({ code: 'ERR_RECONNECT_REQUIRED' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('survives an onDeviceAuthorizationSettled callback that throws (no unhandled rejection), and still stores the set', async () => {
    const warnings: string[] = [];
    const { upstream } = setup(['success'], {
      logger: { warn: (m: string) => void warnings.push(m), error: (m: string) => void warnings.push(m) },
      onDeviceAuthorizationSettled: () => {
        throw new Error('callback broke');
      },
    });
    await upstream.startDeviceAuthorization(alice);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await upstream.accessToken(alice)).toMatch(/^at-/);
    expect(warnings.join('\n')).toContain('callback broke');
  });

  it.each([
    ['expired_token', 'expired'],
    ['access_denied', 'denied'],
  ] as const)('stops polling on %s', async (step, outcome) => {
    const { as, upstream, outcomes } = setup(['authorization_pending', step]);
    await upstream.startDeviceAuthorization(alice);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(as.devicePolls).toHaveLength(2);
    expect(outcomes).toEqual([outcome]);
    await expect(upstream.accessToken(alice)).rejects.toMatchObject({ code: 'ERR_RECONNECT_REQUIRED' });
  });

  it('stops when the device code expires without an answer', async () => {
    const { as, upstream, outcomes } = setup([]);
    await upstream.startDeviceAuthorization(alice);
    await vi.advanceTimersByTimeAsync(700_000);
    expect(outcomes).toEqual(['expired']);
    expect(as.devicePolls.length).toBeLessThanOrEqual(120);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('returns the pending prompt to a second start, keeps principals apart, and close() cancels polling', async () => {
    const { as, upstream, outcomes } = setup([]);
    const first = await upstream.startDeviceAuthorization(alice);
    await vi.advanceTimersByTimeAsync(30_000);
    const again = await upstream.startDeviceAuthorization(alice);
    expect(again).toEqual({ ...first, expires_in: 570 });
    const other = await upstream.startDeviceAuthorization(bob);
    expect(other.user_code).not.toBe(first.user_code);
    expect(as.deviceRequests).toBe(2);
    upstream.close();
    const polls = as.devicePolls.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(as.devicePolls).toHaveLength(polls);
    expect(outcomes).toEqual(['closed', 'closed']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('replaces a pending authorization that is about to expire', async () => {
    const { as, upstream, outcomes } = setup([]);
    await upstream.startDeviceAuthorization(alice);
    await vi.advanceTimersByTimeAsync(560_000);
    const second = await upstream.startDeviceAuthorization(alice);
    expect(second.user_code).toBe('UC-2');
    expect(outcomes).toEqual(['replaced']);
    upstream.close();
  });
});
