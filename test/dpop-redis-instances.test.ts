/**
 * Two instances of one deployment on one Redis (DPoP, RFC 9449 §11.1): each example server (examples/mcp-server,
 * in-process) has its own `createMcpAuth` with `redisStore` on the same Redis, the same random `keyPrefix` and the
 * same `encryptionKey`, and the same canonical resource (one public URL in front of both; the test reaches each
 * directly). A proof one instance accepted is refused by the other, both ways: the `jti`s are remembered in the
 * shared store. The nonces are an HMAC on the shared key ring, so a nonce from one is good at the other.
 *
 * Redis: `REDIS_URL`, else 127.0.0.1:6379, else a throw-away `redis-server` (skipped loudly when there is none,
 * a failure with MCPGATE_REQUIRE_REDIS=1).
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { createMcpAuth, generateEncryptionKey, type McpAuth } from '@mcpgate/core';
import { startDevAuthorizationServer, type DevAuthorizationServer } from '@mcpgate/example-dev-authorization-server';
import { createExampleApp, type ExampleApp } from '@mcpgate/example-mcp-server';
import { jwtValidator } from '@mcpgate/jwt-validator';
import { redisStore } from '@mcpgate/store-redis';
import { DpopSession } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/process.js';
import { redisForTests } from './helpers/redis-for-tests.js';
import { credentialsOf, DpopOAuthProvider, recordWire, type Exchange } from './helpers/sdk2-dpop.js';
import { connectSdk2, type Sdk2Connection } from './helpers/sdk2-oauth.js';
import { initialize } from './helpers/stack.js';

const redis = await redisForTests('DPoP across two instances on one Redis');

interface Instance {
  readonly auth: McpAuth;
  readonly example: ExampleApp;
  readonly server: Server;
  /** Where this instance listens (the test calls it directly). */
  readonly url: string;
  close(): Promise<void>;
}

const quiet = { warn: () => undefined, error: () => undefined };

describe.skipIf(redis === undefined)('DPoP: two example instances on one Redis', () => {
  let as: DevAuthorizationServer;
  let resource: string;
  let a: Instance;
  let b: Instance;
  let connection: Sdk2Connection | undefined;
  const keyPrefix = `mcpgate-test-dpop-${randomUUID()}:`;
  const encryptionKey = generateEncryptionKey();
  const provider = new DpopOAuthProvider({ login: 'alice' });
  const wire = recordWire();
  let token: string;

  async function instance(port: number): Promise<Instance> {
    const auth = createMcpAuth({
      resource,
      authorizationServers: [as.issuer],
      validator: jwtValidator({ issuer: as.issuer, clockToleranceSeconds: 0 }),
      store: redisStore({ uri: redis!.uri, keyPrefix, logger: quiet }),
      encryptionKey,
      requiredScopes: ['mcp:tools'],
      dpop: { mode: 'required', requireNonce: true },
      logger: quiet,
    });
    const example = createExampleApp({ auth });
    const { server, port: bound } = await example.listen(port, '127.0.0.1');
    return {
      auth,
      example,
      server,
      url: `http://127.0.0.1:${bound}/mcp`,
      async close() {
        await example.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await auth.close();
      },
    };
  }

  /** POST `body` to `url` with the token and `proof` (and any other headers). */
  const send = (url: string, proof: string, body: string, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `DPoP ${token}`, dpop: proof, ...headers },
      body,
    });

  beforeAll(async () => {
    const portA = await freePort();
    resource = `http://127.0.0.1:${portA}/mcp`;
    as = await startDevAuthorizationServer({ resource });
    a = await instance(portA);
    b = await instance(0);
    expect(a.url).toBe(resource);
    expect(b.url).not.toBe(resource);
    // alice signs in through A with the real SDK 2.x client and a DPoP session
    connection = await connectSdk2(a.url, provider, { fetch: wire.fetch });
    const result = (await connection.client.callTool({ name: 'whoami', arguments: {} })) as { content: Array<{ text: string }> };
    expect(JSON.parse(result.content[0]?.text ?? '{}')).toMatchObject({ subject: 'alice' });
    token = provider.tokens()?.access_token as string;
    expect(provider.tokens()?.token_type).toBe('DPoP');
  });

  afterAll(async () => {
    await connection?.client.close();
    await Promise.all([a?.close(), b?.close()]);
    await as?.close();
    await redis?.deletePrefix(keyPrefix);
    await redis?.stop();
  });

  it('a proof accepted by A is refused by B (401 invalid_dpop_proof, jti seen), and one accepted by B is refused by A', async () => {
    // the SDK's initialize on A, as it went over the wire and was accepted there
    const accepted = wire.to(a.url).find((e) => e.status === 200 && e.request['authorization'] !== undefined && e.requestBody?.includes('"initialize"') === true) as Exchange;
    expect(accepted).toBeDefined();
    expect(credentialsOf(accepted.request['authorization'])).toEqual({ scheme: 'DPoP', token });

    const replayedOnB = await fetch(b.url, { method: 'POST', headers: accepted.request, body: accepted.requestBody as string });
    expect(replayedOnB.status).toBe(401);
    expect(replayedOnB.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof", error_description="the DPoP proof has been used before \(jti\)"/);

    // B itself accepts the same request with a fresh proof (same key, A's nonce: the key ring is shared)
    const session = await provider.session;
    const fresh = await session.buildProof({ htm: 'POST', htu: resource, accessToken: token });
    const onB = await send(b.url, fresh, JSON.stringify(initialize));
    expect(onB.status).toBe(200);
    expect(onB.headers.get('mcp-session-id')).not.toBeNull();

    // and that proof, now seen by B, is refused by A
    const replayedOnA = await send(a.url, fresh, JSON.stringify(initialize));
    expect(replayedOnA.status).toBe(401);
    expect(replayedOnA.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof", error_description="the DPoP proof has been used before \(jti\)"/);
  });

  it('a nonce one instance hands out is accepted by the other (stateless nonces on the shared key ring)', async () => {
    // a session on the same key that has seen no nonce yet
    const bare = await DpopSession.create({ keyPair: await provider.keyPair });
    const withoutNonce = await send(b.url, await bare.buildProof({ htm: 'POST', htu: resource, accessToken: token }), JSON.stringify(initialize));
    expect(withoutNonce.status).toBe(401);
    expect(withoutNonce.headers.get('www-authenticate')).toMatch(/^DPoP error="use_dpop_nonce"/);
    const nonce = withoutNonce.headers.get('dpop-nonce');
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{20,}$/);

    const onA = await send(a.url, await bare.buildProof({ htm: 'POST', htu: resource, accessToken: token, nonce: nonce as string }), JSON.stringify(initialize));
    expect(onA.status).toBe(200);
  });
});
