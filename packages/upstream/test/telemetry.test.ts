/**
 * What an operator sees of upstream credentials, with a real OpenTelemetry SDK in memory: spans for the
 * token endpoint (refresh and device polls), the device authorization and userinfo, the refresh and its
 * lock waits; refreshes by outcome; audit events (connected, refreshed, revoked, identity mismatch);
 * never token bytes, device codes or the client secret.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSealer, generateEncryptionKey, memoryStore, type McpAuthEvent, type Store } from '@mcpgate/core';
import { createUpstreamCredentials, type UpstreamCredentialsOptions } from '../src/upstream-credentials.js';
import { CredentialVault } from '../src/vault.js';
import { FakeAuthorizationServer, ISSUER, alice, type DeviceStep } from './fake-authorization-server.js';
import { inMemoryOtel } from '../../../test/helpers/otel.js';

const otel = inMemoryOtel();
beforeAll(() => {
  otel.register();
});
afterEach(() => {
  vi.useRealTimers();
});

const CLIENT_SECRET = 'upstream-client-secret-4e4e4e';
const sealer = createSealer(generateEncryptionKey());
const expiredSince = () => Math.floor(Date.now() / 1000) - 3605;

function setup(overrides: Partial<UpstreamCredentialsOptions> = {}, store: Store = memoryStore(), as = new FakeAuthorizationServer()) {
  const events: McpAuthEvent[] = [];
  const upstream = createUpstreamCredentials({
    store,
    sealer,
    issuer: ISSUER,
    clientId: 'up',
    clientSecret: CLIENT_SECRET,
    fetch: as.fetch,
    logger: { warn: () => {}, error: () => {} },
    onEvent: (event) => events.push(event),
    ...overrides,
  });
  const vault = new CredentialVault({ store, sealer });
  return { as, store, vault, upstream, events };
}

const refreshes = (outcome: string) => otel.count('mcpgate.upstream.refreshes', { 'mcpgate.outcome': outcome });

/** Every token, refresh token, device code and user code the fake server handed out, and the client secret. */
function secretsOf(as: FakeAuthorizationServer, events: McpAuthEvent[], everything: string): void {
  const text = `${everything}\n${JSON.stringify(events)}`;
  expect(text).not.toMatch(/(^|[^A-Za-z0-9])(at|rt|dc|UC)-\d+/);
  expect(text).not.toContain(CLIENT_SECRET);
  expect(text).not.toContain(Buffer.from(`up:${CLIENT_SECRET}`).toString('base64'));
  expect(as.validAccessTokens.size).toBeGreaterThan(0); // tokens were handed out, so the grep means something
}

describe('refresh', () => {
  it('spans: refresh > discovery and token (grant type, HTTP attributes), children of the active span; counted ok; upstream.refreshed', async () => {
    otel.reset();
    const { as, vault, upstream, events } = setup();
    await vault.put(alice, as.issue(-5), expiredSince());
    const before = await refreshes('ok');
    const { parent, result } = await otel.underParent(() => upstream.accessToken(alice));
    expect(result).toMatch(/^at-/);
    const [refresh] = await otel.named('mcpgate.upstream.refresh');
    const [token] = await otel.named('mcpgate.upstream.token');
    const [discovery] = await otel.named('mcpgate.discovery');
    expect(refresh?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(refresh?.kind).toBe(SpanKind.INTERNAL);
    expect(refresh?.attributes).toEqual({ 'mcpgate.outcome': 'ok' });
    expect(token?.parentSpanContext?.spanId).toBe(refresh?.spanContext().spanId);
    expect(discovery?.parentSpanContext?.spanId).toBe(refresh?.spanContext().spanId);
    expect(token?.kind).toBe(SpanKind.CLIENT);
    expect(token?.attributes).toEqual({
      'http.request.method': 'POST',
      'url.full': `${ISSUER}/token`,
      'server.address': 'as.test',
      'server.port': 443,
      'mcpgate.oauth.grant_type': 'refresh_token',
      'http.response.status_code': 200,
    });
    expect(token?.status.code).toBe(SpanStatusCode.UNSET);
    expect(await refreshes('ok')).toBe(before + 1);
    expect(events).toEqual([{ type: 'upstream.refreshed', time: expect.any(String), outcome: 'ok', principal: alice }]);
    expect(Date.parse(events[0]!.time)).not.toBeNaN();
    secretsOf(as, events, await otel.everything());
  });

  it('invalid_grant: the token call is a normal 400 answer; the refresh fails (revoked), counted; upstream.revoked', async () => {
    otel.reset();
    const { as, vault, upstream, events } = setup();
    await vault.put(alice, as.issue(-5), expiredSince());
    as.currentRefreshToken = 'rt-revoked-elsewhere';
    const before = await refreshes('revoked');
    const { error } = await otel.underParent(() => upstream.accessToken(alice));
    expect(error).toMatchObject({ code: 'ERR_RECONNECT_REQUIRED' });
    const [refresh] = await otel.named('mcpgate.upstream.refresh');
    const [token] = await otel.named('mcpgate.upstream.token');
    expect(token?.attributes).toMatchObject({ 'http.response.status_code': 400, 'mcpgate.oauth.error': 'invalid_grant' });
    expect(token?.status.code).toBe(SpanStatusCode.UNSET);
    expect(refresh?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'ReconnectRequiredError' });
    expect(refresh?.attributes).toMatchObject({ 'mcpgate.outcome': 'revoked', 'error.type': 'ReconnectRequiredError' });
    expect(await refreshes('revoked')).toBe(before + 1);
    expect(events).toEqual([{ type: 'upstream.revoked', time: expect.any(String), outcome: 'invalid_grant', principal: alice }]);
    expect(await vault.get(alice)).toBeUndefined();
    secretsOf(as, events, await otel.everything());
  });

  it('an upstream outage (5xx): token span status ERROR with the error name only; counted unavailable; no event', async () => {
    otel.reset();
    const as = new FakeAuthorizationServer();
    const down: typeof fetch = async (input, init) =>
      String(input).endsWith('/token') ? new Response('upstream down: secret-detail', { status: 503 }) : as.fetch(input, init);
    const { vault, upstream, events } = setup({ fetch: down }, memoryStore(), as);
    await vault.put(alice, as.issue(-5), expiredSince());
    const before = await refreshes('unavailable');
    const { parent, error } = await otel.underParent(() => upstream.accessToken(alice));
    expect(error).toMatchObject({ code: 'ERR_UNAVAILABLE' });
    const [token] = await otel.named('mcpgate.upstream.token');
    expect(token?.spanContext().traceId).toBe(parent.spanContext().traceId);
    expect(token?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'ServiceUnavailableError' });
    expect(token?.attributes).toMatchObject({ 'http.response.status_code': 503, 'error.type': 'ServiceUnavailableError' });
    expect(await refreshes('unavailable')).toBe(before + 1);
    expect(events).toEqual([]);
    expect(await otel.everything()).not.toContain('secret-detail');
  });

  it("time spent waiting for another holder's lock: a histogram by outcome (acquired after expiry, reused)", async () => {
    otel.reset();
    const { as, store, vault, upstream } = setup();
    await vault.put(alice, as.issue(-5), expiredSince());
    await store.add(CredentialVault.lockKeyOf(alice), 'crashed-owner', 300);
    await upstream.accessToken(alice);
    const [refresh] = await otel.named('mcpgate.upstream.refresh');
    expect(refresh?.attributes).toMatchObject({ 'mcpgate.outcome': 'ok', 'mcpgate.upstream.lock.wait': 'acquired' });

    // two instances: one refreshes (slowly), the other waits for it and reuses its set
    const shared = memoryStore();
    const slow = new FakeAuthorizationServer();
    slow.refreshDelayMs = 150;
    const one = setup({}, shared, slow);
    const two = setup({}, shared, slow);
    await one.vault.put(alice, slow.issue(-5), expiredSince());
    const first = one.upstream.accessToken(alice);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const [a, b] = await Promise.all([first, two.upstream.accessToken(alice)]);
    expect(a).toBe(b);
    expect(slow.refreshRequests).toBe(1);

    const points = await otel.points('mcpgate.upstream.lock.wait.duration');
    const acquired = points.find((p) => p.attributes['mcpgate.outcome'] === 'acquired')?.value as { count: number; sum: number } | undefined;
    const reused = points.find((p) => p.attributes['mcpgate.outcome'] === 'reused')?.value as { count: number; sum: number } | undefined;
    expect(acquired?.count).toBe(1);
    expect(acquired?.sum).toBeGreaterThan(0.2); // seconds: the crashed holder's lock lived 300 ms
    expect(acquired?.sum).toBeLessThan(5);
    expect(reused?.count).toBe(1);
    expect(reused?.sum).toBeGreaterThan(0.05);
  });

  it('a listener that throws never breaks a refresh', async () => {
    const { as, vault, upstream } = setup({
      onEvent: () => {
        throw new Error('audit sink down');
      },
    });
    await vault.put(alice, as.issue(-5), expiredSince());
    await expect(upstream.accessToken(alice)).resolves.toMatch(/^at-/);
    expect(() => setup({ onEvent: 'yes' as never })).toThrow(TypeError);
  });
});

describe('device authorization', () => {
  /**
   * Starts a device authorization under a parent span and lets it poll `script` (one poll a second). Real
   * timers: a timer keeps the context it was set in, so a poll not started as a new trace would nest
   * under the request that started the flow.
   */
  async function connect(script: DeviceStep[], principal: { issuer: string; subject: string }, as = new FakeAuthorizationServer()) {
    as.deviceScript = [...script]; // the fake server consumes its script
    as.deviceInterval = 1;
    const setupResult = setup({}, memoryStore(), as);
    const started = await otel.underParent(() => setupResult.upstream.startDeviceAuthorization(principal));
    for (let waited = 0; as.devicePolls.length < script.length && waited < script.length * 1_000 + 2_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 100)); // the last poll stores its answer
    expect(as.devicePolls).toHaveLength(script.length);
    return { ...setupResult, parent: started.parent };
  }

  it('the device authorization is a child of the active span; each poll a trace of its own linked to it; upstream.connected', async () => {
    otel.reset();
    const { as, upstream, events, parent } = await connect(['authorization_pending', 'success'], alice);
    expect(await upstream.accessToken(alice)).toMatch(/^at-/);
    const [device] = await otel.named('mcpgate.upstream.device_authorization');
    expect(device?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(device?.attributes).toEqual({
      'http.request.method': 'POST',
      'url.full': `${ISSUER}/device`,
      'server.address': 'as.test',
      'server.port': 443,
      'http.response.status_code': 200,
    });
    const polls = await otel.named('mcpgate.upstream.device.poll');
    expect(polls.map((p) => p.attributes['mcpgate.outcome'])).toEqual(['authorization_pending', 'connected']);
    const tokens = await otel.named('mcpgate.upstream.token');
    for (const [i, poll] of polls.entries()) {
      expect(poll.parentSpanContext).toBeUndefined();
      expect(poll.spanContext().traceId).not.toBe(parent.spanContext().traceId);
      expect(poll.links.map((l) => l.context.spanId)).toEqual([parent.spanContext().spanId]);
      expect(tokens[i]?.parentSpanContext?.spanId).toBe(poll.spanContext().spanId);
      expect(tokens[i]?.attributes['mcpgate.oauth.grant_type']).toBe('urn:ietf:params:oauth:grant-type:device_code');
    }
    expect(tokens[0]?.attributes).toMatchObject({ 'http.response.status_code': 400, 'mcpgate.oauth.error': 'authorization_pending' });
    expect(tokens[1]?.attributes).toMatchObject({ 'http.response.status_code': 200 });
    expect(tokens[1]?.attributes['mcpgate.oauth.error']).toBeUndefined();
    expect(events).toEqual([{ type: 'upstream.connected', time: expect.any(String), outcome: 'connected', principal: alice }]);
    secretsOf(as, events, await otel.everything());
  });

  it('an account other than the principal approved it: upstream.identity_mismatch; the userinfo call is a span under the poll', async () => {
    otel.reset();
    const as = new FakeAuthorizationServer();
    as.userinfo = { sub: 'mallory' };
    const principal = { issuer: ISSUER, subject: 'alice' };
    const { upstream, events } = await connect(['success'], principal, as);
    await expect(upstream.accessToken(principal)).rejects.toMatchObject({ code: 'ERR_RECONNECT_REQUIRED' });
    expect(events).toEqual([{ type: 'upstream.identity_mismatch', time: expect.any(String), outcome: 'identity_mismatch', principal }]);
    const [poll] = await otel.named('mcpgate.upstream.device.poll');
    const [userinfo] = await otel.named('mcpgate.upstream.userinfo');
    expect(poll?.attributes['mcpgate.outcome']).toBe('identity_mismatch');
    expect(userinfo?.parentSpanContext?.spanId).toBe(poll?.spanContext().spanId);
    expect(userinfo?.attributes).toMatchObject({ 'http.request.method': 'GET', 'url.full': `${ISSUER}/me`, 'http.response.status_code': 200, 'mcpgate.outcome': 'ok' });
    expect(as.userinfoTokens[0]).toMatch(/^at-/); // the new access token went to userinfo, and nowhere into telemetry
    secretsOf(as, events, await otel.everything());
  });

  it('a listener that throws never breaks a device authorization', async () => {
    const as = new FakeAuthorizationServer();
    as.deviceScript = ['success'];
    as.deviceInterval = 1;
    const { upstream } = setup(
      {
        onEvent: () => {
          throw new Error('audit sink down');
        },
      },
      memoryStore(),
      as,
    );
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    await upstream.startDeviceAuthorization(alice);
    await vi.advanceTimersByTimeAsync(1_100);
    vi.useRealTimers();
    expect(await upstream.lastDeviceAuthorization(alice)).toMatchObject({ outcome: 'connected' });
    expect(await upstream.accessToken(alice)).toMatch(/^at-/);
  });
});
