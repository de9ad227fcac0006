/**
 * Sessions under attack and over time (hardening items 6, 12 and the store-outage log of 15): a session
 * flood stays bounded and cannot push out another user's session; idle sessions are closed and unbound;
 * use renews the idle lifetime; a key rotation keeps every binding; a store outage is logged, rate-limited
 * and without token bytes. Real dev AS, the example app, real SQLite and Redis.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createMcpAuth, generateEncryptionKey, memoryStore, type Store } from '@mcpgate/core';
import { jwtValidator } from '@mcpgate/jwt-validator';
import { redisStore } from '@mcpgate/store-redis';
import { sqliteStore } from '@mcpgate/store-sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callWhoami, openSession, post, startStack, tokenFor, type Stack } from './helpers/stack.js';

const headers = (token: string, sessionId: string): Record<string, string> => ({
  authorization: `Bearer ${token}`,
  'mcp-session-id': sessionId,
  'mcp-protocol-version': '2025-06-18',
});

describe('item 6: a session flood stays bounded', () => {
  let stack: Stack;
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    stack = await startStack({ auth: { store: memoryStore({ maxEntries: 40 }) }, sessions: { maxPerUser: 5, idleTimeoutMs: 60_000 } });
    alice = (await tokenFor(stack.as, stack.resource, 'alice')).access_token;
    bob = (await tokenFor(stack.as, stack.resource, 'bob')).access_token;
  });
  afterAll(async () => stack?.close());

  it("one user's 200 sessions neither grow memory past the cap nor evict another user's session", async () => {
    const bobs = await openSession(stack.mcpUrl, bob);
    for (let i = 0; i < 200; i++) await openSession(stack.mcpUrl, alice);
    expect(stack.example.liveSessions()).toBeLessThanOrEqual(6);
    const call = await post(stack.mcpUrl, callWhoami(), headers(bob, bobs));
    expect(call.status).toBe(200);
    expect(call.text).toContain('bob');
  });

  it("closes the user's least recently used session first", async () => {
    const first = await openSession(stack.mcpUrl, alice);
    const kept = await openSession(stack.mcpUrl, alice);
    for (let i = 0; i < 3; i++) await openSession(stack.mcpUrl, alice);
    expect((await post(stack.mcpUrl, callWhoami(), headers(alice, kept))).status).toBe(200); // kept is now recent
    await openSession(stack.mcpUrl, alice);
    await openSession(stack.mcpUrl, alice);
    expect((await post(stack.mcpUrl, callWhoami(), headers(alice, first))).status).toBe(404);
    expect((await post(stack.mcpUrl, callWhoami(), headers(alice, kept))).status).toBe(200);
  });
});

describe('item 6: idle sessions are closed, freed and unbound', () => {
  it('closes a session idle past the timeout, and its binding goes with it', async () => {
    const store = memoryStore();
    const stack = await startStack({ auth: { store }, sessions: { idleTimeoutMs: 600 } });
    try {
      const alice = (await tokenFor(stack.as, stack.resource, 'alice')).access_token;
      const session = await openSession(stack.mcpUrl, alice);
      expect(stack.example.liveSessions()).toBe(1);
      // unauthenticated CORS preflights naming the session must not keep it alive
      for (let i = 0; i < 5; i++) {
        const preflight = await fetch(stack.mcpUrl, {
          method: 'OPTIONS',
          headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'POST', 'mcp-session-id': session },
        });
        expect(preflight.status).toBe(204);
        await sleep(240);
      }
      expect(stack.example.liveSessions()).toBe(0);
      expect((await post(stack.mcpUrl, callWhoami(), headers(alice, session))).status).toBe(404);
      // the binding went with the session: another instance on the same store does not know it
      const other = createMcpAuth({
        resource: stack.resource,
        authorizationServers: [stack.as.issuer],
        validator: jwtValidator({ issuer: stack.as.issuer }),
        store,
        logger: { warn: () => undefined, error: () => undefined },
      });
      await expect(
        other.authenticate({ method: 'POST', authorization: [`Bearer ${alice}`], sessionId: session, body: { jsonrpc: '2.0', id: 1, method: 'ping' } }),
      ).rejects.toMatchObject({ code: 'ERR_SESSION_NOT_FOUND' });
    } finally {
      await stack.close();
    }
  });
});

describe('item 12: idle lifetime is renewed by use', () => {
  it('keeps a session in use alive well past its idle lifetime', async () => {
    const stack = await startStack({ auth: { sessionTtlMs: 1_200 }, sessions: { idleTimeoutMs: 60_000 } });
    try {
      const alice = (await tokenFor(stack.as, stack.resource, 'alice')).access_token;
      const session = await openSession(stack.mcpUrl, alice);
      const until = Date.now() + 3_600;
      while (Date.now() < until) {
        const call = await post(stack.mcpUrl, callWhoami(), headers(alice, session));
        expect(call.status).toBe(200);
        await sleep(250);
      }
      await sleep(1_800);
      expect((await post(stack.mcpUrl, callWhoami(), headers(alice, session))).status).toBe(404);
    } finally {
      await stack.close();
    }
  });
});

describe('item 12: a key rotation keeps every session binding', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpgate-rotation-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const redisUri = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  const stores: Array<[string, () => Store]> = [
    ['sqlite', () => sqliteStore(`sqlite://${join(dir, 'rotation.sqlite')}`)],
    ['redis', () => redisStore({ uri: redisUri, keyPrefix: `rotation-${randomUUID()}:` })],
  ];

  it.each(stores)('%s: new key first, old key kept → the binding still answers; then old key dropped → still answers', async (_, makeStore) => {
    const stack = await startStack();
    const oldKey = generateEncryptionKey();
    const newKey = generateEncryptionKey();
    const shared = makeStore();
    const sharedStore: Store = { ...shared, close: async () => undefined };
    const authWith = (keys: string[]) =>
      createMcpAuth({
        resource: stack.resource,
        authorizationServers: [stack.as.issuer],
        validator: jwtValidator({ issuer: stack.as.issuer }),
        store: sharedStore,
        encryptionKey: keys,
        logger: { warn: () => undefined, error: () => undefined },
      });
    try {
      const token = (await tokenFor(stack.as, stack.resource, 'alice')).access_token;
      const request = (sessionId: string) => ({ method: 'POST', authorization: [`Bearer ${token}`], sessionId, body: { jsonrpc: '2.0', id: 1, method: 'ping' } });
      const sessionId = randomUUID();
      const before = authWith([oldKey]);
      const { principal } = await before.authenticate({ method: 'POST', authorization: [`Bearer ${token}`], body: { jsonrpc: '2.0', id: 1, method: 'ping' } });
      await before.bindSession(sessionId, principal);

      const rotated = authWith([newKey, oldKey]);
      await expect(rotated.authenticate(request(sessionId))).resolves.toMatchObject({ principal: { subject: 'alice' } });
      await sleep(200); // the binding is moved to the new key in the background

      const newOnly = authWith([newKey]);
      await expect(newOnly.authenticate(request(sessionId))).resolves.toMatchObject({ principal: { subject: 'alice' } });
      const stranger = authWith([generateEncryptionKey()]);
      await expect(stranger.authenticate(request(sessionId))).rejects.toMatchObject({ code: 'ERR_SESSION_NOT_FOUND' });
    } finally {
      await shared.close();
      await stack.close();
    }
  });
});

describe('item 15: a store outage answers 503 and is logged, rate-limited, without token bytes', () => {
  it('logs once per burst and never the token', async () => {
    const warnings: string[] = [];
    const broken: Store = {
      kind: 'broken',
      persistent: false,
      get: () => Promise.reject(Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' })),
      set: () => Promise.reject(new Error('down')),
      delete: () => Promise.reject(new Error('down')),
      add: () => Promise.reject(new Error('down')),
      deleteIfEquals: () => Promise.reject(new Error('down')),
      close: async () => undefined,
    };
    const stack = await startStack({ auth: { store: broken, logger: { warn: (m: string) => void warnings.push(m), error: () => undefined } } });
    try {
      const token = (await tokenFor(stack.as, stack.resource, 'alice')).access_token;
      for (let i = 0; i < 5; i++) {
        const answer = await post(stack.mcpUrl, callWhoami(), headers(token, randomUUID()));
        expect(answer.status).toBe(503);
        expect(answer.headers.get('retry-after')).not.toBeNull();
      }
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/store broken failed on get \(Error ECONNREFUSED\); answering 503/);
      expect(warnings.join('\n')).not.toContain(token);
      expect(warnings.join('\n')).not.toContain(token.split('.')[2]);
    } finally {
      await stack.close();
    }
  });
});
