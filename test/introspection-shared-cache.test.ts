/**
 * Two example-server processes on one Redis with MCP_AUTH_VALIDATOR=introspection: the introspection
 * cache lives in the shared store, so a token introspected by one instance is not introspected again by
 * the other.
 */
import { generateEncryptionKey } from '@mcpgate/core';
import { startDevAuthorizationServer, type DevAuthorizationServer } from '@mcpgate/example-dev-authorization-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startExampleProcess, type ExampleProcess } from './helpers/process.js';
import { startRedisServer, type RedisServerProcess } from './helpers/redis-server.js';
import { initialize, post, tokenFor } from './helpers/stack.js';

let redis: RedisServerProcess;
let as: DevAuthorizationServer;
let a: ExampleProcess;
let b: ExampleProcess;
let resource: string;

beforeAll(async () => {
  redis = await startRedisServer();
  const portA = await freePort();
  resource = `http://127.0.0.1:${portA}/mcp`;
  as = await startDevAuthorizationServer({ resource, accessTokenFormat: 'opaque' });
  const env = {
    MCP_RESOURCE: resource,
    MCP_AUTH_ISSUER: as.issuer,
    MCP_AUTH_VALIDATOR: 'introspection',
    MCP_AUTH_INTROSPECTION_CLIENT_ID: as.introspectionClient.clientId,
    MCP_AUTH_INTROSPECTION_CLIENT_SECRET: as.introspectionClient.clientSecret,
    MCP_AUTH_INTROSPECTION_CACHE_TTL: '60',
    MCP_AUTH_STORE: redis.uri,
    MCP_AUTH_ENCRYPTION_KEY: generateEncryptionKey(),
  };
  [a, b] = await Promise.all([startExampleProcess(env, { port: portA }), startExampleProcess(env)]);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await as?.close();
  await redis?.stop();
});

describe('introspection cache shared through Redis', () => {
  it('introspects a token once for two instances', async () => {
    const { access_token } = await tokenFor(as, resource, 'alice');
    const before = as.stats.introspections;
    const first = await post(a.mcpUrl, initialize, { authorization: `Bearer ${access_token}` });
    expect(first.status, first.text).toBe(200);
    expect(as.stats.introspections - before).toBe(1);
    const second = await post(b.mcpUrl, initialize, { authorization: `Bearer ${access_token}` });
    expect(second.status, second.text).toBe(200);
    expect(as.stats.introspections - before).toBe(1);
    const unknown = await post(b.mcpUrl, initialize, { authorization: 'Bearer not-issued-by-the-as' });
    expect(unknown.status).toBe(401);
  });
});
