/**
 * Issue 5 end to end, through the example MCP server's tools `connect_upstream` and `upstream_whoami`
 * (raw JSON-RPC over HTTP with real MCP tokens from the authorization-code flow), against the real dev
 * authorization server (oidc-provider) with 2-second upstream access tokens. The example app runs
 * in-process, built by the product's own `loadConfig` + `setupAuth` (memory store); the multi-process
 * and persistent-store scenarios are in upstream-e2e-processes.test.ts.
 *
 * The dev AS's device authorization response carries no `interval`, so mcpgate polls every 5 s (RFC 8628
 * default): each connection takes about 5 s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFor } from './helpers/stack.js';
import { connectUpstream, mcpSession, sleep, startUpstreamStack, type UpstreamStack } from './helpers/upstream.js';

/** A little more than the 2-second upstream access token lifetime. */
const PAST_TTL_MS = 2_300;

describe('upstream credentials through the example MCP server tools', () => {
  let stack: UpstreamStack;
  let alice: Awaited<ReturnType<typeof mcpSession>>;
  let bob: Awaited<ReturnType<typeof mcpSession>>;

  beforeAll(async () => {
    stack = await startUpstreamStack({ upstreamAccessTokenTtlSeconds: 2 });
    const [aliceToken, bobToken] = await Promise.all([tokenFor(stack.as, stack.resource, 'alice'), tokenFor(stack.as, stack.resource, 'bob')]);
    alice = await mcpSession(stack.mcpUrl, aliceToken.access_token);
    bob = await mcpSession(stack.mcpUrl, bobToken.access_token);
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('connects by device flow: connect_upstream prompt → approve as alice → upstream_whoami answers with her userinfo', async () => {
    const before = await alice.call('upstream_whoami');
    expect(before.isError).toBe(true);
    expect(before.text).toContain('connect_upstream');

    const grants = stack.as.stats.deviceCodeGrants;
    const { prompt, whoami } = await connectUpstream(alice, 'alice');
    expect(prompt).toEqual({
      verification_uri: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\//),
      verification_uri_complete: expect.stringContaining('user_code='),
      user_code: expect.any(String),
      expires_in: expect.any(Number),
    });
    expect(prompt.verification_uri.startsWith(stack.as.issuer)).toBe(true);
    expect(prompt.verification_uri_complete.startsWith(stack.as.issuer)).toBe(true);
    expect(prompt.expires_in).toBeGreaterThan(60);
    expect(whoami).toMatchObject({ sub: 'alice' });
    // Polls that found `authorization_pending` count too; at least the one that got the tokens.
    expect(stack.as.stats.deviceCodeGrants - grants).toBeGreaterThanOrEqual(1);
  });

  it('another user (bob, his own MCP token) is told to run connect_upstream and never sees alice’s data', async () => {
    const result = await bob.call('upstream_whoami');
    expect(result.isError).toBe(true);
    expect(result.text).toContain('connect_upstream');
    expect(result.text).not.toContain('alice');
    // alice is still connected.
    const mine = await alice.call('upstream_whoami');
    expect(mine.isError).toBe(false);
    expect(JSON.parse(mine.text)).toMatchObject({ sub: 'alice' });
  });

  it('20 concurrent upstream_whoami calls with an expired upstream token → exactly one refresh grant, 20 successes', async () => {
    await sleep(PAST_TTL_MS);
    const before = stack.as.stats.refreshGrants;
    const results = await Promise.all(Array.from({ length: 20 }, () => alice.call('upstream_whoami')));
    expect(stack.as.stats.refreshGrants - before).toBe(1);
    for (const result of results) {
      expect(result.isError, result.text).toBe(false);
      expect(JSON.parse(result.text)).toMatchObject({ sub: 'alice' });
    }
  });

  it('repeated expiries keep working: 3 rounds of (expiry, 5 concurrent calls) → one refresh each, all succeed', async () => {
    for (let round = 0; round < 3; round++) {
      await sleep(PAST_TTL_MS);
      const before = stack.as.stats.refreshGrants;
      const results = await Promise.all(Array.from({ length: 5 }, () => alice.call('upstream_whoami')));
      expect(stack.as.stats.refreshGrants - before, `round ${round}`).toBe(1);
      for (const result of results) {
        expect(result.isError, `round ${round}: ${result.text}`).toBe(false);
        expect(JSON.parse(result.text)).toMatchObject({ sub: 'alice' });
      }
    }
  });
});

describe('upstream refresh token refused (invalid_grant)', () => {
  let stack: UpstreamStack;

  beforeAll(async () => {
    stack = await startUpstreamStack({ upstreamAccessTokenTtlSeconds: 2, refreshTokenTtlSeconds: 3 });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('tells the user to run connect_upstream, removes the stale set, and does not hit the token endpoint again', async () => {
    const token = await tokenFor(stack.as, stack.resource, 'alice');
    const alice = await mcpSession(stack.mcpUrl, token.access_token);
    const { whoami } = await connectUpstream(alice, 'alice');
    expect(whoami).toMatchObject({ sub: 'alice' });

    // Both the upstream access token (2 s) and its refresh token (3 s) expire.
    await sleep(3_500);
    const refreshes = stack.as.stats.refreshGrants;
    // 5 concurrent calls: one refresh attempt (refused), every caller told to reconnect.
    const firsts = await Promise.all(Array.from({ length: 5 }, () => alice.call('upstream_whoami')));
    for (const first of firsts) {
      expect(first.isError).toBe(true);
      expect(first.text).toContain('connect_upstream');
    }
    expect(stack.as.stats.refreshGrants - refreshes).toBe(1);

    const tokenRequests = stack.as.stats.tokenRequests;
    const second = await alice.call('upstream_whoami');
    expect(second.isError).toBe(true);
    expect(second.text).toContain('connect_upstream');
    expect(stack.as.stats.refreshGrants - refreshes).toBe(1);
    expect(stack.as.stats.tokenRequests).toBe(tokenRequests);

    // The set is gone from the vault, not merely refused.
    const upstream = stack.setup.tools.upstream;
    expect(upstream !== undefined && 'credentials' in upstream).toBe(true);
    if (upstream !== undefined && 'credentials' in upstream) {
      expect(await upstream.credentials.tokenSet({ issuer: stack.as.issuer, subject: 'alice' })).toBeUndefined();
    }
  });
});
