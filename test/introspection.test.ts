/**
 * Issue 3: opaque access tokens validated by RFC 7662 introspection, end to end — the real dev AS issuing
 * opaque tokens, the real SDK client doing the whole OAuth flow, the example server in-process AND as the
 * real `npm start` process (MCP_AUTH_VALIDATOR=introspection). Counts are the AS's own introspection
 * endpoint hits (`as.stats.introspections`).
 */
import { ScriptedOAuthClientProvider, connectWithOAuth } from '@mcpgate/example-mcp-server';
import { startDevAuthorizationServer, type DevAuthorizationServer } from '@mcpgate/example-dev-authorization-server';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asOutage, startIntrospectionStack, type AsOutage, type IntrospectionStack } from './helpers/introspection-stack.js';
import { freePort, startExampleProcess, type ExampleProcess } from './helpers/process.js';
import { callWhoami, initialize, openSession, post, rpcResult, tokenFor } from './helpers/stack.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const bearer = (token: string, sessionId?: string): Record<string, string> => ({
  authorization: `Bearer ${token}`,
  ...(sessionId !== undefined ? { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' } : {}),
});

const whoami = async (client: Client) => {
  const result = (await client.callTool({ name: 'whoami', arguments: {} })) as { content: Array<{ text: string }>; isError?: boolean };
  expect(result.isError).not.toBe(true);
  return JSON.parse(result.content[0]?.text ?? '{}') as { subject: string; clientId: string; scopes: string[] };
};

const subjectOf = (text: string) => (JSON.parse(rpcResult(text).result?.content?.[0]?.text ?? '{}') as { subject?: string }).subject;

async function expectWhoami(mcpUrl: string, token: string, sessionId: string, subject: string) {
  const res = await post(mcpUrl, callWhoami(), bearer(token, sessionId));
  expect(res.status, res.text).toBe(200);
  expect(subjectOf(res.text)).toBe(subject);
}

function expectInvalidToken(res: { status: number; headers: Headers; text: string }, metadataUrl: string) {
  expect(res.status, res.text).toBe(401);
  const challenge = res.headers.get('www-authenticate') ?? '';
  expect(challenge).toMatch(/^Bearer /);
  expect(challenge).toContain('error="invalid_token"');
  expect(challenge).toContain(`resource_metadata="${metadataUrl}"`);
}

function expectUnavailable(res: { status: number; headers: Headers; text: string }, token: string) {
  expect(res.status, res.text).toBe(503);
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
  expect(res.headers.get('www-authenticate')).toBeNull();
  expect(res.text).not.toContain(token);
}

const metadataUrlOf = (mcpUrl: string) => mcpUrl.replace(/\/mcp$/, '/.well-known/oauth-protected-resource/mcp');

describe('introspection, in-process example server', () => {
  let stack: IntrospectionStack;
  let shortTtl: IntrospectionStack;
  beforeAll(async () => {
    [stack, shortTtl] = await Promise.all([startIntrospectionStack({ cacheTtlSeconds: 60 }), startIntrospectionStack({ cacheTtlSeconds: 1 })]);
  });
  afterAll(async () => {
    await Promise.all([stack?.close(), shortTtl?.close()]);
  });

  it('the SDK client completes OAuth with an opaque token; 20 tool calls cost one introspection', async () => {
    stack.as.stats.reset();
    const provider = new ScriptedOAuthClientProvider('alice');
    const { client } = await connectWithOAuth(stack.mcpUrl, provider);
    try {
      const token = provider.tokens()?.access_token ?? '';
      expect(token).not.toBe('');
      expect(token.split('.')).toHaveLength(1); // opaque, not a JWT
      expect((await whoami(client)).subject).toBe('alice');
      for (let i = 0; i < 20; i++) expect((await whoami(client)).subject).toBe('alice');
      expect(stack.as.stats.introspections).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('an unknown token → 401 invalid_token', async () => {
    const res = await post(stack.mcpUrl, initialize, bearer('unknown-opaque-token-' + Math.random().toString(36).slice(2)));
    expectInvalidToken(res, metadataUrlOf(stack.mcpUrl));
  });

  it('a token revoked at the AS → 401 once the cache lifetime (1 s) has passed', async () => {
    const { access_token: token } = await tokenFor(shortTtl.as, shortTtl.resource, 'alice');
    const session = await openSession(shortTtl.mcpUrl, token);
    await expectWhoami(shortTtl.mcpUrl, token, session, 'alice');
    await shortTtl.as.revoke(token);
    await sleep(1_300);
    const res = await post(shortTtl.mcpUrl, callWhoami(), bearer(token, session));
    expectInvalidToken(res, metadataUrlOf(shortTtl.mcpUrl));
  });

  it('50 concurrent requests with one fresh token → exactly one introspection', async () => {
    const opener = (await tokenFor(stack.as, stack.resource, 'alice')).access_token;
    const session = await openSession(stack.mcpUrl, opener);
    const fresh = (await tokenFor(stack.as, stack.resource, 'alice')).access_token;
    stack.as.stats.reset();
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => post(stack.mcpUrl, callWhoami(100 + i), bearer(fresh, session))));
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    expect(answers.every((a) => subjectOf(a.text) === 'alice')).toBe(true);
    expect(stack.as.stats.introspections).toBe(1);
  });

  it('AS down → 503 + Retry-After (server alive, cached tokens keep working); AS back → success, no restart', async () => {
    const known = (await tokenFor(stack.as, stack.resource, 'alice')).access_token;
    const session = await openSession(stack.mcpUrl, known);
    const unseen = (await tokenFor(stack.as, stack.resource, 'bob')).access_token;
    await stack.outage.down();
    try {
      const res = await post(stack.mcpUrl, initialize, bearer(unseen));
      expectUnavailable(res, unseen);
      // still alive: metadata answers, and a token verified before the outage (cache TTL 60 s) still works
      expect((await fetch(metadataUrlOf(stack.mcpUrl))).status).toBe(200);
      await expectWhoami(stack.mcpUrl, known, session, 'alice');
    } finally {
      await stack.outage.up();
    }
    const bobSession = await openSession(stack.mcpUrl, unseen);
    await expectWhoami(stack.mcpUrl, unseen, bobSession, 'bob');
    const after = (await tokenFor(stack.as, stack.resource, 'alice')).access_token;
    await expectWhoami(stack.mcpUrl, after, session, 'alice');
  });
});

describe('introspection through the example PROCESS (MCP_AUTH_VALIDATOR=introspection)', () => {
  let as: DevAuthorizationServer;
  let outage: AsOutage;
  let proc: ExampleProcess;
  let resource: string;
  const cacheTtlSeconds = 2;

  beforeAll(async () => {
    const port = await freePort();
    resource = `http://127.0.0.1:${port}/mcp`;
    as = await startDevAuthorizationServer({ resource, accessTokenFormat: 'opaque' });
    outage = asOutage(as);
    proc = await startExampleProcess(
      {
        MCP_AUTH_ISSUER: as.issuer,
        MCP_AUTH_VALIDATOR: 'introspection',
        MCP_AUTH_INTROSPECTION_CLIENT_ID: as.introspectionClient.clientId,
        MCP_AUTH_INTROSPECTION_CLIENT_SECRET: as.introspectionClient.clientSecret,
        MCP_AUTH_INTROSPECTION_CACHE_TTL: String(cacheTtlSeconds),
        MCP_AUTH_STORE: 'memory',
      },
      { port },
    );
  });
  afterAll(async () => {
    await proc?.stop();
    await outage?.close();
  });

  it('prints that it validates by introspection', () => {
    expect(proc.output()).toMatch(/token validation:\s+introspection/);
  });

  it('full OAuth flow with the SDK client, then tool calls; 20 calls within the cache TTL → at most one introspection', async () => {
    const provider = new ScriptedOAuthClientProvider('alice');
    const { client } = await connectWithOAuth(proc.mcpUrl, provider);
    try {
      expect(provider.codes).toHaveLength(1);
      expect(provider.tokens()?.access_token.split('.')).toHaveLength(1);
      expect((await whoami(client)).subject).toBe('alice');
      as.stats.reset();
      const started = Date.now();
      for (let i = 0; i < 20; i++) expect((await whoami(client)).subject).toBe('alice');
      expect(Date.now() - started).toBeLessThan(cacheTtlSeconds * 1000);
      expect(as.stats.introspections).toBeLessThanOrEqual(1);
    } finally {
      await client.close();
    }
  });

  it('an unknown token → 401 invalid_token', async () => {
    const res = await post(proc.mcpUrl, initialize, bearer('no-such-token-' + Math.random().toString(36).slice(2)));
    expectInvalidToken(res, metadataUrlOf(proc.mcpUrl));
  });

  it('a token revoked at the AS → 401 once the cache lifetime has passed', async () => {
    const { access_token: token } = await tokenFor(as, resource, 'alice');
    const session = await openSession(proc.mcpUrl, token);
    await expectWhoami(proc.mcpUrl, token, session, 'alice');
    await as.revoke(token);
    await sleep(cacheTtlSeconds * 1000 + 500);
    expectInvalidToken(await post(proc.mcpUrl, callWhoami(), bearer(token, session)), metadataUrlOf(proc.mcpUrl));
  });

  it('50 concurrent requests with one fresh token → exactly one introspection', async () => {
    const session = await openSession(proc.mcpUrl, (await tokenFor(as, resource, 'alice')).access_token);
    const fresh = (await tokenFor(as, resource, 'alice')).access_token;
    as.stats.reset();
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => post(proc.mcpUrl, callWhoami(100 + i), bearer(fresh, session))));
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    expect(answers.every((a) => subjectOf(a.text) === 'alice')).toBe(true);
    expect(as.stats.introspections).toBe(1);
  });

  it('AS down → 503 + Retry-After, process alive; AS back on the same port → a fresh token works without restarting', async () => {
    const unseen = (await tokenFor(as, resource, 'alice')).access_token;
    await outage.down();
    try {
      const res = await post(proc.mcpUrl, initialize, bearer(unseen));
      expectUnavailable(res, unseen);
      expect(proc.child.exitCode).toBeNull();
      expect((await fetch(metadataUrlOf(proc.mcpUrl))).status).toBe(200);
      // a second try is still a 503, not a cached refusal
      expectUnavailable(await post(proc.mcpUrl, initialize, bearer(unseen)), unseen);
    } finally {
      await outage.up();
    }
    const fresh = (await tokenFor(as, resource, 'bob')).access_token;
    const session = await openSession(proc.mcpUrl, fresh);
    await expectWhoami(proc.mcpUrl, fresh, session, 'bob');
    const aliceSession = await openSession(proc.mcpUrl, unseen);
    await expectWhoami(proc.mcpUrl, unseen, aliceSession, 'alice');
    expect(proc.child.exitCode).toBeNull();
  });
});

describe('the example PROCESS and an unreachable or misconfigured AS', () => {
  it('wrong introspection client secret → 503 + Retry-After (not 401) and an operator warning', async () => {
    const port = await freePort();
    const resource = `http://127.0.0.1:${port}/mcp`;
    const as = await startDevAuthorizationServer({ resource, accessTokenFormat: 'opaque' });
    let proc: ExampleProcess | undefined;
    try {
      proc = await startExampleProcess(
        {
          MCP_AUTH_ISSUER: as.issuer,
          MCP_AUTH_VALIDATOR: 'introspection',
          MCP_AUTH_INTROSPECTION_CLIENT_ID: as.introspectionClient.clientId,
          MCP_AUTH_INTROSPECTION_CLIENT_SECRET: 'not-the-secret',
          MCP_AUTH_STORE: 'memory',
        },
        { port },
      );
      const token = (await tokenFor(as, resource, 'alice')).access_token;
      expectUnavailable(await post(proc.mcpUrl, initialize, bearer(token)), token);
      const deadline = Date.now() + 2_000;
      while (!/introspection endpoint refused this client/.test(proc.output()) && Date.now() < deadline) await sleep(50);
      expect(proc.output()).toMatch(/introspection endpoint refused this client \(HTTP 401\)/);
      expect(proc.output()).not.toContain('not-the-secret');
      expect(proc.output()).not.toContain(token);
    } finally {
      await proc?.stop();
      await as.close();
    }
  });

  describe('started while the AS is unreachable', () => {
    let as: DevAuthorizationServer;
    let outage: AsOutage;
    let proc: ExampleProcess;
    let resource: string;
    let token: string;
    let session: string;

    beforeAll(async () => {
      const port = await freePort();
      resource = `http://127.0.0.1:${port}/mcp`;
      as = await startDevAuthorizationServer({ resource, accessTokenFormat: 'opaque' });
      outage = asOutage(as);
      await outage.down();
      proc = await startExampleProcess(
        {
          MCP_AUTH_ISSUER: as.issuer,
          MCP_AUTH_VALIDATOR: 'introspection',
          MCP_AUTH_INTROSPECTION_CLIENT_ID: as.introspectionClient.clientId,
          MCP_AUTH_INTROSPECTION_CLIENT_SECRET: as.introspectionClient.clientSecret,
          MCP_AUTH_STORE: 'memory',
          MCP_UPSTREAM_CLIENT_ID: as.deviceClient.clientId,
        },
        { port },
      );
      expectUnavailable(await post(proc.mcpUrl, initialize, bearer('some-token')), 'some-token');
      await outage.up();
    });
    afterAll(async () => {
      await proc?.stop();
      await outage?.close();
    });

    it('token validation recovers once the AS is back', async () => {
      token = (await tokenFor(as, resource, 'alice')).access_token;
      session = await openSession(proc.mcpUrl, token);
      await expectWhoami(proc.mcpUrl, token, session, 'alice');
    });

    it('the upstream tools recover too (connect_upstream answers with a device prompt once the AS is back)', async () => {
      const res = await post(
        proc.mcpUrl,
        { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'connect_upstream', arguments: {} } },
        bearer(token, session),
      );
      expect(res.status).toBe(200);
      const result = rpcResult(res.text).result;
      // BUG (examples/mcp-server/src/auth-setup.ts buildUpstream): a discovery failure at startup is taken
      // for "the issuer publishes no userinfo endpoint" and disables the upstream tools until a restart.
      expect(result?.content?.[0]?.text).not.toContain('not configured');
      expect(result?.isError).not.toBe(true);
      expect(JSON.parse(result?.content?.[0]?.text ?? '{}')).toMatchObject({ user_code: expect.any(String) });
    });
  });
});
