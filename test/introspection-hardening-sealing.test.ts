/**
 * Introspection verdicts in a shared store are an input: whoever can write to the Redis database or the
 * SQLite file could insert a verdict for a token they made up. Through the real stack (dev AS issuing
 * opaque tokens, the example MCP server, the introspection validator caching in a REAL Redis / REAL
 * SQLite store), values are written and read with the backends' own clients, as an attacker would.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSealer, generateEncryptionKey, type Store } from '@mcpgate/core';
import { introspectionValidator } from '@mcpgate/introspection-validator';
import { redisStore } from '@mcpgate/store-redis';
import { sqliteStore } from '@mcpgate/store-sqlite';
import { createClient } from '@redis/client';
import sqlite3 from 'sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIntrospectionStack, type IntrospectionStack } from './helpers/introspection-stack.js';
import { initialize, post, tokenFor } from './helpers/stack.js';

const CACHE_TTL_SECONDS = 2;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const verdictKey = (token: string) => `mcpgate:v1:introspection:${createHash('sha256').update(token).digest('base64url')}`;
const madeUpToken = () => `made-up-${randomUUID()}`;

/** A backend as an attacker with write access sees it: raw reads and writes of JSON text, by store key. */
interface Backend {
  readonly store: Store;
  rawGet(key: string): Promise<string | undefined>;
  rawSet(key: string, json: string, ttlMs: number): Promise<void>;
  cleanup(): Promise<void>;
}

const redisBase = (process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379').replace(/\/\d*$/, '');

async function redisBackend(): Promise<Backend> {
  const uri = `${redisBase}/0`;
  const keyPrefix = `mcpgate-test-${randomUUID()}:`;
  const store = redisStore({ uri, keyPrefix });
  const client = createClient({ url: uri });
  await client.connect();
  return {
    store,
    rawGet: async (key) => (await client.get(keyPrefix + key)) ?? undefined,
    rawSet: async (key, json, ttlMs) => void (await client.set(keyPrefix + key, json, { PX: ttlMs })),
    async cleanup() {
      for await (const batch of client.scanIterator({ MATCH: `${keyPrefix}*`, COUNT: 1000 })) {
        const keys = Array.isArray(batch) ? batch : [batch];
        if (keys.length > 0) await client.del(keys);
      }
      await client.quit().catch(() => undefined);
      await store.close();
    },
  };
}

function sqliteRun(file: string, sql: string, params: unknown[]): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, (error) => {
      if (error) return reject(error);
      db.configure('busyTimeout', 2_000);
      db.all(sql, params, (err, rows) => {
        db.close();
        if (err) reject(err);
        else resolve(rows as Array<Record<string, unknown>>);
      });
    });
  });
}

async function sqliteBackend(): Promise<Backend> {
  const dir = await mkdtemp(join(tmpdir(), 'mcpgate-introspection-'));
  const file = join(dir, 'store.sqlite');
  const store = sqliteStore(`sqlite://${file}`);
  await store.get('create-the-table');
  return {
    store,
    rawGet: async (key) => (await sqliteRun(file, 'SELECT value FROM mcpgate_store WHERE key = ?', [key]))[0]?.['value'] as string | undefined,
    rawSet: async (key, json, ttlMs) =>
      void (await sqliteRun(file, 'INSERT OR REPLACE INTO mcpgate_store (key, value, expires_at) VALUES (?, ?, ?)', [key, json, Date.now() + ttlMs])),
    async cleanup() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describe.each([
  ['Redis', redisBackend],
  ['SQLite', sqliteBackend],
])('introspection verdicts in a real %s store', (name, makeBackend) => {
  let backend: Backend;
  let stack: IntrospectionStack;
  const warnings: string[] = [];

  beforeAll(async () => {
    backend = await makeBackend();
    stack = await startIntrospectionStack({
      cacheTtlSeconds: CACHE_TTL_SECONDS,
      validator: { cache: backend.store, sealer: createSealer(generateEncryptionKey()), logger: { warn: (m: string) => warnings.push(m), error: (m: string) => warnings.push(m) } },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await backend?.cleanup();
  });

  it(`a persistent ${name} cache without a sealer is refused at construction`, () => {
    const { issuer, introspectionClient } = stack.as;
    expect(() => introspectionValidator({ issuer, ...introspectionClient, cache: backend.store })).toThrow(
      expect.objectContaining({ name: 'TypeError', message: expect.stringContaining('sealer') }),
    );
  });

  it('a forged unsealed verdict for a made-up token (the shape the old code accepted) → 401, and the AS is asked', async () => {
    const token = madeUpToken();
    const now = Math.floor(Date.now() / 1000);
    const claims = { active: true, iss: stack.as.issuer, sub: 'mallory', client_id: 'evil', scope: 'mcp:tools mcp:admin', aud: stack.resource, exp: now + 3600, token_type: 'Bearer' };
    await backend.rawSet(verdictKey(token), JSON.stringify({ active: true, at: now, claims }), 60_000);
    const before = stack.as.stats.introspections;
    const res = await post(stack.mcpUrl, initialize, bearer(token));
    expect(res.status, res.text).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(stack.as.stats.introspections - before).toBe(1);
    expect(warnings.some((w) => /not sealed/.test(w))).toBe(true);
    expect(warnings.join('\n')).not.toContain(token);
  });

  it('a genuine sealed verdict copied under another token key → 401', async () => {
    const { access_token: alice } = await tokenFor(stack.as, stack.resource, 'alice');
    expect((await post(stack.mcpUrl, initialize, bearer(alice))).status).toBe(200);
    const sealed = await backend.rawGet(verdictKey(alice));
    expect(sealed).toBeDefined();
    const token = madeUpToken();
    await backend.rawSet(verdictKey(token), sealed!, 60_000);
    const res = await post(stack.mcpUrl, initialize, bearer(token));
    expect(res.status, res.text).toBe(401);
    // and what is stored reveals nothing
    expect(JSON.parse(sealed!)).toMatchObject({ v: 1, ct: expect.any(String), tag: expect.any(String) });
    expect(sealed).not.toContain('alice');
  });

  it('a sealed verdict of a revoked token, replayed after its expiry with a long store TTL → 401', async () => {
    const { access_token: bob } = await tokenFor(stack.as, stack.resource, 'bob');
    expect((await post(stack.mcpUrl, initialize, bearer(bob))).status).toBe(200);
    const sealed = await backend.rawGet(verdictKey(bob));
    expect(sealed).toBeDefined();
    await stack.as.revoke(bob);
    await sleep(CACHE_TTL_SECONDS * 1000 + 400);
    await backend.rawSet(verdictKey(bob), sealed!, 3_600_000);
    const res = await post(stack.mcpUrl, initialize, bearer(bob));
    expect(res.status, res.text).toBe(401);
  });
});
