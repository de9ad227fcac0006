/**
 * Device-code phishing end to end, through the example MCP server's tools against the real dev
 * authorization server (oidc-provider), which is both the MCP login and the upstream server: bob runs
 * `connect_upstream`, alice approves bob's user code, and bob must not get alice's upstream account.
 * The upstream identity comes from the ID token of the device grant (scope `openid`).
 */
import { approveDeviceCode } from '@mcpgate/example-dev-authorization-server';
import type { UpstreamCredentials } from '@mcpgate/upstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFor } from './helpers/stack.js';
import { connectUpstream, mcpSession, whoamiUntil, startUpstreamStack, type DevicePrompt, type UpstreamStack } from './helpers/upstream.js';

describe('the upstream account of a device authorization must be the MCP user’s own', () => {
  let stack: UpstreamStack;
  let credentials: UpstreamCredentials;
  let bob: Awaited<ReturnType<typeof mcpSession>>;

  beforeAll(async () => {
    stack = await startUpstreamStack({ upstreamAccessTokenTtlSeconds: 60 });
    const upstream = stack.setup.tools.upstream;
    if (upstream === undefined || !('credentials' in upstream)) throw new Error('the example has no upstream credentials');
    credentials = upstream.credentials;
    bob = await mcpSession(stack.mcpUrl, (await tokenFor(stack.as, stack.resource, 'bob')).access_token);
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('alice approving bob’s code stores nothing, and bob’s upstream_whoami says why instead of answering with alice’s data', async () => {
    const started = await bob.call('connect_upstream');
    expect(started.isError).toBe(false);
    const prompt = JSON.parse(started.text) as DevicePrompt;
    await approveDeviceCode(prompt.verification_uri_complete, { login: 'alice' });

    const result = await whoamiUntil(bob, (r) => !r.isError || /different upstream account/.test(r.text));
    expect(result.text, 'bob got alice’s upstream account').not.toMatch(/alice/i);
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/approved by a different upstream account/);
    expect(result.text).toMatch(/run connect_upstream again and approve it signed in as yourself/);

    expect(await credentials.lastDeviceAuthorization({ issuer: stack.as.issuer, subject: 'bob' })).toMatchObject({ outcome: 'identity_mismatch' });
    expect(await credentials.tokenSet({ issuer: stack.as.issuer, subject: 'bob' })).toBeUndefined();
    expect(await credentials.tokenSet({ issuer: stack.as.issuer, subject: 'alice' })).toBeUndefined();
  });

  it('then bob approving his own code connects him, as bob', async () => {
    const { whoami } = await connectUpstream(bob, 'bob');
    expect(whoami).toMatchObject({ sub: 'bob' });
    const set = await credentials.tokenSet({ issuer: stack.as.issuer, subject: 'bob' });
    expect(set?.idToken).toEqual(expect.any(String));
    expect(await credentials.lastDeviceAuthorization({ issuer: stack.as.issuer, subject: 'bob' })).toMatchObject({ outcome: 'connected' });
  });
});
