/** The example's `connect_upstream` and `upstream_whoami` tools, driven by the real MCP SDK client. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { registerUpstreamTools } from '@mcpgate/example-mcp-server';
import { memoryStore } from '@mcpgate/core';
import { createUpstreamCredentials, type UpstreamCredentials } from '@mcpgate/upstream';
import { CredentialVault } from '../packages/upstream/src/vault.js';
import { API, FakeAuthorizationServer, ISSUER, alice, type DeviceStep } from '../packages/upstream/test/fake-authorization-server.js';

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function connect(subject: string, issuer = alice.issuer) {
  const as = new FakeAuthorizationServer();
  const store = memoryStore();
  const upstream: UpstreamCredentials = createUpstreamCredentials({ store, issuer: ISSUER, clientId: 'up', fetch: as.fetch, logger: { warn: () => {}, error: () => {} } });
  const server = new McpServer({ name: 'upstream-tools-test', version: '0.0.0' });
  registerUpstreamTools(server, upstream, { api: API });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const principal = { issuer, subject, clientId: 'mcp-client', scopes: ['mcp:tools'], expiresAt: 2_000_000_000, audience: [], claims: {} };
  const authInfo = { token: 'mcp-token', clientId: 'mcp-client', scopes: ['mcp:tools'], expiresAt: 2_000_000_000, extra: { principal } };
  const send = clientTransport.send.bind(clientTransport);
  clientTransport.send = (message, options) => send(message, { ...options, authInfo });
  await server.connect(serverTransport);
  const client = new Client({ name: 'test', version: '0.0.0' });
  await client.connect(clientTransport);
  closers.push(() => client.close(), () => upstream.close());
  const call = async (name: string) => {
    const result = (await client.callTool({ name, arguments: {} })) as { content: { type: string; text: string }[]; isError?: boolean };
    return { text: result.content[0]?.text ?? '', isError: result.isError === true };
  };
  return { as, store, principal, call };
}

describe('upstream tools', () => {
  it('connect_upstream returns the device authorization prompt as JSON', async () => {
    const { call } = await connect('alice');
    const result = await call('connect_upstream');
    expect(result.isError).toBe(false);
    expect(JSON.parse(result.text)).toEqual({
      verification_uri: `${ISSUER}/activate`,
      verification_uri_complete: `${ISSUER}/activate?user_code=UC-1`,
      user_code: 'UC-1',
      expires_in: 600,
    });
  });

  it('upstream_whoami asks to run connect_upstream until connected, then answers with the API body', async () => {
    const { as, store, principal, call } = await connect('alice');
    const before = await call('upstream_whoami');
    expect(before.isError).toBe(true);
    expect(before.text).toContain('connect_upstream');
    const set = as.issue();
    await new CredentialVault({ store }).put(principal, set);
    const after = await call('upstream_whoami');
    expect(after.isError).toBe(false);
    expect(JSON.parse(after.text)).toEqual({ sub: 'upstream-alice', token: set.accessToken });
  });

  it.each([
    ['success', { iss: ISSUER, aud: 'up', sub: 'mallory' }, /approved by a different upstream account.*run connect_upstream again and approve it signed in as yourself/],
    ['access_denied', undefined, /denied.*run connect_upstream again/],
  ] as const)('after a device authorization ending in %s, upstream_whoami says why', async (step: DeviceStep, idToken, why) => {
    const { as, call } = await connect('carol', ISSUER);
    as.deviceInterval = 1;
    as.deviceScript = [step];
    if (idToken !== undefined) as.idTokenClaims = { ...idToken };
    await call('connect_upstream');
    let result = await call('upstream_whoami');
    for (const deadline = Date.now() + 5_000; result.text.startsWith('No upstream account') && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      result = await call('upstream_whoami');
    }
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(why);
    expect(as.apiRequests).toBe(0);
  });
});
