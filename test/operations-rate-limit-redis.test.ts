/**
 * Per-principal rate limits shared by two instances on one Redis: two example servers (examples/mcp-server,
 * in-process, stateless so that every request is one tools/call) each with their own `createMcpAuth`, on
 * `redisStore` with the same random `keyPrefix` and `encryptionKey`, the same canonical resource (one public
 * URL in front of both; the test reaches each directly) and `rateLimit: { limit: 3, windowMs: 60_000 }`.
 * Alice's requests spread over both instances are counted together: the 4th is 429 with `Retry-After` and a
 * JSON-RPC error, at either instance, while bob still gets through. A store that cannot be reached answers
 * 503 (fail closed), never "unlimited".
 *
 * The limiter needs the store's compare-and-set (`Store.setIfEquals`): without it on `redisStore` this test
 * FAILS, it does not skip. Redis itself: `REDIS_URL`, else 127.0.0.1:6379, else a throw-away `redis-server`
 * (skipped loudly when there is none, a failure with MCPGATE_REQUIRE_REDIS=1).
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { createMcpAuth, generateEncryptionKey, type McpAuth, type McpAuthEvent } from '@mcpgate/core';
import { startDevAuthorizationServer, type DevAuthorizationServer } from '@mcpgate/example-dev-authorization-server';
import { createExampleApp, type ExampleApp } from '@mcpgate/example-mcp-server';
import { jwtValidator } from '@mcpgate/jwt-validator';
import { redisStore } from '@mcpgate/store-redis';
import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/process.js';
import { redisForTests } from './helpers/redis-for-tests.js';
import { callWhoami, post, rpcResult, tokenFor } from './helpers/stack.js';

const redis = await redisForTests('rate limits across two instances on one Redis');

const quiet = { warn: () => undefined, error: () => undefined };
const LIMIT = 3;
const WINDOW_MS = 60_000;

interface Instance {
  readonly auth: McpAuth;
  readonly example: ExampleApp;
  readonly server: Server;
  readonly url: string;
  readonly events: McpAuthEvent[];
  close(): Promise<void>;
}

// on its own, without the suite's beforeAll: a store without setIfEquals is a failed test here (and createMcpAuth
// refuses it below, failing that suite too), never a skip
describe.skipIf(redis === undefined)('redisStore for rate limits', () => {
  it('has the compare-and-set the limiter needs (Store.setIfEquals)', async () => {
    const store = redisStore({ uri: redis!.uri, keyPrefix: `mcpgate-test-ratelimit-${randomUUID()}:`, logger: quiet });
    try {
      expect(typeof store.setIfEquals).toBe('function');
    } finally {
      await store.close();
    }
  });
});

describe.skipIf(redis === undefined)('rate limits: two example instances on one Redis', () => {
  let as: DevAuthorizationServer;
  let resource: string;
  let a: Instance;
  let b: Instance;
  const keyPrefix = `mcpgate-test-ratelimit-${randomUUID()}:`;
  const encryptionKey = generateEncryptionKey();

  async function instance(storeUri = redis!.uri): Promise<Instance> {
    const store = redisStore({ uri: storeUri, keyPrefix, logger: quiet, connectTimeoutMs: 500, commandTimeoutMs: 500 });
    const events: McpAuthEvent[] = [];
    const auth = createMcpAuth({
      resource,
      authorizationServers: [as.issuer],
      validator: jwtValidator({ issuer: as.issuer, clockToleranceSeconds: 0 }),
      store,
      encryptionKey,
      requiredScopes: ['mcp:tools'],
      rateLimit: { limit: LIMIT, windowMs: WINDOW_MS },
      onEvent: (event) => events.push(event),
      logger: quiet,
    });
    const example = createExampleApp({ auth, mode: 'stateless' });
    const { server, port } = await example.listen(0, '127.0.0.1');
    return {
      auth,
      example,
      server,
      url: `http://127.0.0.1:${port}/mcp`,
      events,
      async close() {
        await example.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await auth.close();
      },
    };
  }

  beforeAll(async () => {
    resource = `http://127.0.0.1:${await freePort()}/mcp`;
    as = await startDevAuthorizationServer({ resource });
    a = await instance();
    b = await instance();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await as?.close();
    await redis?.deletePrefix(keyPrefix);
    await redis?.stop();
  });

  const whoami = (url: string, token: string, id: number) =>
    post(url, callWhoami(id), { authorization: `Bearer ${token}`, 'mcp-protocol-version': '2025-06-18' });

  it(`alice's requests over both instances share one bucket: ${LIMIT} pass, the next is 429 with Retry-After and a JSON-RPC error`, async () => {
    const alice = (await tokenFor(as, resource, 'alice')).access_token;
    const bob = (await tokenFor(as, resource, 'bob')).access_token;
    const answers = [];
    for (const [i, url] of [a.url, b.url, a.url].entries()) {
      const res = await whoami(url, alice, i + 1);
      expect(res.status, res.text).toBe(200);
      answers.push(JSON.parse(rpcResult(res.text).result?.content?.[0]?.text ?? '{}') as { subject?: string });
    }
    expect(answers.map((x) => x.subject)).toEqual(['alice', 'alice', 'alice']);

    for (const url of [b.url, a.url]) {
      const refused = await whoami(url, alice, 9);
      expect(refused.status).toBe(429);
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(WINDOW_MS / LIMIT / 1000 + 1);
      expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
      expect(JSON.parse(refused.text)).toEqual({
        jsonrpc: '2.0',
        error: { code: -32000, message: `Too Many Requests: rate limit exceeded; retry after ${retryAfter} s` },
        id: null,
      });
      expect(refused.headers.get('www-authenticate')).toBeNull();
    }

    // per principal: bob has his own bucket, at either instance
    expect((await whoami(b.url, bob, 20)).status).toBe(200);
    expect((await whoami(a.url, bob, 21)).status).toBe(200);

    // each instance reported its own refusal as rate.limited
    for (const instance of [a, b]) {
      expect(instance.events.filter((e) => e.type === 'rate.limited')).toEqual([
        expect.objectContaining({ outcome: 'rate_limited', principal: { issuer: as.issuer, subject: 'alice' }, method: 'tools/call', target: 'whoami', requestId: 9 }),
      ]);
    }
  });

  it('the buckets live in Redis under the shared prefix (sealed or not, never the token)', async () => {
    const client = createClient({ url: redis!.uri });
    await client.connect();
    try {
      const keys: string[] = [];
      for await (const batch of client.scanIterator({ MATCH: `${keyPrefix}*`, COUNT: 1000 })) keys.push(...(Array.isArray(batch) ? batch : [batch]));
      expect(keys.filter((k) => k.includes('ratelimit:'))).toHaveLength(2); // alice's and bob's
    } finally {
      await client.quit();
    }
  });

  it('fails closed: an instance whose store cannot be reached answers 503 with Retry-After, never "unlimited"', async () => {
    const down = await instance(`redis://127.0.0.1:${await freePort()}`);
    try {
      const bob = (await tokenFor(as, resource, 'bob')).access_token;
      const res = await whoami(down.url, bob, 30);
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(down.events.at(-1)).toMatchObject({ type: 'dependency.unavailable', dependency: 'store' });
    } finally {
      await down.close();
    }
  });
});
