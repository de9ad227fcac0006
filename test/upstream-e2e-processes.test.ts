/**
 * Issue 5 end to end with the real example server PROCESSES (`examples/mcp-server/dist/main.js`, what
 * `npm start` runs) pointed at a dev AS run by the test (2-second upstream access tokens):
 *
 * - two processes sharing one Redis database refresh an expired upstream token exactly once between them;
 * - a process restarted on the same SQLite file keeps the user's upstream connection (no new device flow);
 * - no upstream token is stored in clear, in the SQLite file (+ WAL) or in Redis.
 *
 * How "in clear" is checked: the test opens the stored set itself (same `MCP_AUTH_ENCRYPTION_KEY`,
 * through a `CredentialVault` over the same store) to learn the actual upstream access, refresh and ID
 * tokens after each step, then asserts that none of them, no JSON field name of a token set
 * (`accessToken`, `refreshToken`, `idToken`, `access_token`, `refresh_token`, `id_token`) and no JWT
 * (`eyJ….….`) appears anywhere in the raw bytes (SQLite main file, -wal, -shm) or in any value of the
 * Redis database; and that the stored value is a `{"v":1,"kid":…,"iv","ct","tag"}` sealed envelope.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMcpAuth, type Store, type UpstreamTokenSet } from '@mcpgate/core';
import { CredentialVault } from '../packages/upstream/src/vault.js';
import { startDevAuthorizationServer, type DevAuthorizationServer } from '@mcpgate/example-dev-authorization-server';
import { jwtValidator } from '@mcpgate/jwt-validator';
import { redisStore } from '@mcpgate/store-redis';
import { sqliteStore } from '@mcpgate/store-sqlite';
import { freePort, startExampleProcess, type ExampleProcess } from './helpers/process.js';
import { tokenFor } from './helpers/stack.js';
import { connectUpstream, mcpSession, sleep } from './helpers/upstream.js';

const PAST_TTL_MS = 2_300;
const FIELD_NAMES = ['accessToken', 'refreshToken', 'idToken', 'access_token', 'refresh_token', 'id_token'];
const JWT = /eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*/;
/** A sealed envelope (AES-256-GCM, key id beside the ciphertext), and nothing else. */
const SEALED = { v: 1, kid: expect.stringMatching(/^[\w.-]+$/), iv: expect.stringMatching(/^[\w-]+$/), ct: expect.stringMatching(/^[\w-]+$/), tag: expect.stringMatching(/^[\w-]+$/) };

/** Reads the upstream set of `subject` back from a store, the way the example server does. */
async function readSet(store: Store, encryptionKey: string, issuer: string, resource: string, subject: string): Promise<UpstreamTokenSet | undefined> {
  const auth = createMcpAuth({ resource, authorizationServers: [issuer], validator: jwtValidator({ issuer }), store, encryptionKey, logger: { warn: () => undefined, error: () => undefined } });
  try {
    return await new CredentialVault({ store: auth.store, sealer: auth.sealer }).get({ issuer, subject });
  } finally {
    await auth.close();
  }
}

function secretsOf(set: UpstreamTokenSet | undefined): string[] {
  if (set === undefined) return [];
  return [set.accessToken, set.refreshToken, set.idToken].filter((v): v is string => typeof v === 'string' && v.length >= 8);
}

/** Asserts `text` holds none of `secrets`, no token-set field name and no JWT. */
function expectNoClearTokens(text: string, secrets: Iterable<string>, where: string): void {
  for (const secret of secrets) expect(text.includes(secret), `${where} contains an upstream token in clear`).toBe(false);
  for (const name of FIELD_NAMES) expect(text.includes(name), `${where} contains "${name}"`).toBe(false);
  expect(JWT.exec(text)?.[0], `${where} contains a JWT`).toBeUndefined();
}

function redisBase(): URL {
  return new URL(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
}

describe('upstream credentials across example server processes', () => {
  let as: DevAuthorizationServer;
  let resource: string;
  const processes: ExampleProcess[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    // One canonical resource for every process (instances of one MCP server behind one URL).
    const port = await freePort();
    resource = `http://127.0.0.1:${port}/mcp`;
    as = await startDevAuthorizationServer({ resource, upstreamAccessTokenTtlSeconds: 2 });
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await as?.close();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  const start = async (env: Record<string, string>, port?: number): Promise<ExampleProcess> => {
    const child = await startExampleProcess(
      { MCP_AUTH_ISSUER: as.issuer, MCP_RESOURCE: resource, MCP_UPSTREAM_CLIENT_ID: as.deviceClient.clientId, ...env },
      port === undefined ? {} : { port },
    );
    processes.push(child);
    return child;
  };

  describe('two processes sharing one Redis database', () => {
    const encryptionKey = randomBytes(32).toString('base64');
    let redis: ReturnType<typeof createClient>;
    let storeUri: string;
    const secrets = new Set<string>();

    beforeAll(async () => {
      // A random database 1-15 that is empty now (others' tests may use Redis at the same time).
      const base = redisBase();
      redis = createClient({ url: base.toString() });
      await redis.connect();
      const candidates = Array.from({ length: 15 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
      let db: number | undefined;
      for (const candidate of candidates) {
        await redis.select(candidate);
        if ((await redis.dbSize()) === 0) {
          db = candidate;
          break;
        }
      }
      if (db === undefined) throw new Error('no empty Redis database among 1-15');
      base.pathname = `/${db}`;
      storeUri = base.toString();
    });

    afterAll(async () => {
      if (redis === undefined) return;
      // Remove what the example servers wrote (only the mcpgate: prefix; never FLUSHALL/FLUSHDB).
      for await (const keys of redis.scanIterator({ MATCH: 'mcpgate:*', COUNT: 100 })) if (keys.length > 0) await redis.del(keys);
      await redis.quit();
    });

    it('alice connects through A; after expiry 10 concurrent calls on A and 10 on B → exactly one refresh grant, 20 successes', async () => {
      const env = { MCP_AUTH_STORE: storeUri, MCP_AUTH_ENCRYPTION_KEY: encryptionKey };
      const [a, b] = await Promise.all([start(env), start(env)]);
      const token = (await tokenFor(as, resource, 'alice')).access_token;
      const [onA, onB] = await Promise.all([mcpSession(a.mcpUrl, token), mcpSession(b.mcpUrl, token)]);

      const { whoami } = await connectUpstream(onA, 'alice');
      expect(whoami).toMatchObject({ sub: 'alice' });
      for (const s of secretsOf(await readSet(redisStore(storeUri), encryptionKey, as.issuer, resource, 'alice'))) secrets.add(s);
      expect(secrets.size).toBeGreaterThanOrEqual(2);

      // B sees the connection made through A.
      const fromB = await onB.call('upstream_whoami');
      expect(fromB.isError, fromB.text).toBe(false);
      expect(JSON.parse(fromB.text)).toMatchObject({ sub: 'alice' });

      await sleep(PAST_TTL_MS);
      const before = as.stats.refreshGrants;
      const results = await Promise.all([
        ...Array.from({ length: 10 }, () => onA.call('upstream_whoami')),
        ...Array.from({ length: 10 }, () => onB.call('upstream_whoami')),
      ]);
      expect(as.stats.refreshGrants - before).toBe(1);
      for (const result of results) {
        expect(result.isError, result.text).toBe(false);
        expect(JSON.parse(result.text)).toMatchObject({ sub: 'alice' });
      }
      for (const s of secretsOf(await readSet(redisStore(storeUri), encryptionKey, as.issuer, resource, 'alice'))) secrets.add(s);
      expect(secrets.size).toBeGreaterThanOrEqual(3);
    });

    it('stores no upstream token in clear in Redis: every value of the database is checked', async () => {
      expect(secrets.size).toBeGreaterThanOrEqual(3);
      // Control: the check does catch a token set stored in clear.
      const [sample] = [...secrets];
      expect(() => expectNoClearTokens(JSON.stringify({ v: 1, set: { token: sample } }), secrets, 'control')).toThrow();
      expect(() => expectNoClearTokens('{"accessToken":"x"}', [], 'control')).toThrow();
      expect(() => expectNoClearTokens('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln', [], 'control')).toThrow();
      let upstreamValues = 0;
      let all = '';
      for await (const keys of redis.scanIterator({ COUNT: 100 })) {
        for (const key of keys) {
          const type = await redis.type(key);
          let value: string;
          if (type === 'string') value = (await redis.get(key)) ?? '';
          else if (type === 'hash') value = JSON.stringify(await redis.hGetAll(key));
          else if (type === 'set') value = JSON.stringify(await redis.sMembers(key));
          else if (type === 'list') value = JSON.stringify(await redis.lRange(key, 0, -1));
          else if (type === 'zset') value = JSON.stringify(await redis.zRange(key, 0, -1));
          else value = '';
          all += `${key}\n${value}\n`;
          if (/upstream:[\w-]{43}$/.test(key)) {
            upstreamValues++;
            expect(JSON.parse(value), key).toEqual(SEALED);
          }
        }
      }
      expect(upstreamValues).toBe(1);
      expectNoClearTokens(all, secrets, 'Redis');
    });
  });

  describe('a process restarted on the same SQLite file', () => {
    const encryptionKey = randomBytes(32).toString('base64');
    let file: string;
    const secrets = new Set<string>();

    const rawFiles = async (): Promise<string> => {
      let text = '';
      for (const path of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
        if (existsSync(path)) text += (await readFile(path)).toString('latin1');
      }
      return text;
    };

    beforeAll(async () => {
      const dir = await mkdtemp(join(tmpdir(), 'mcpgate-upstream-e2e-'));
      dirs.push(dir);
      file = join(dir, 'mcpgate.sqlite');
    });

    it('keeps the upstream connection across a restart: no new device flow, the refresh token still works', async () => {
      const env = { MCP_AUTH_STORE: `sqlite://${file}`, MCP_AUTH_ENCRYPTION_KEY: encryptionKey };
      const first = await start(env);
      const token = (await tokenFor(as, resource, 'alice')).access_token;
      const { whoami } = await connectUpstream(await mcpSession(first.mcpUrl, token), 'alice');
      expect(whoami).toMatchObject({ sub: 'alice' });
      const connectedAt = Date.now();
      for (const s of secretsOf(await readSet(sqliteStore(`sqlite://${file}`), encryptionKey, as.issuer, resource, 'alice'))) secrets.add(s);
      expect(secrets.size).toBeGreaterThanOrEqual(2);
      // While the process runs, the latest writes are in the WAL: check it now too.
      expectNoClearTokens(await rawFiles(), secrets, 'SQLite (process running)');

      const deviceGrants = as.stats.deviceCodeGrants;
      await first.stop();
      const second = await start(env, first.port);
      await sleep(Math.max(0, connectedAt + PAST_TTL_MS - Date.now()));
      const refreshes = as.stats.refreshGrants;
      const again = await (await mcpSession(second.mcpUrl, token)).call('upstream_whoami');
      expect(again.isError, again.text).toBe(false);
      expect(JSON.parse(again.text)).toMatchObject({ sub: 'alice' });
      expect(as.stats.deviceCodeGrants).toBe(deviceGrants);
      // The access token had expired: the refresh token stored by the first process was used.
      expect(as.stats.refreshGrants - refreshes).toBe(1);
      for (const s of secretsOf(await readSet(sqliteStore(`sqlite://${file}`), encryptionKey, as.issuer, resource, 'alice'))) secrets.add(s);
      await second.stop();
    });

    it('stores no upstream token in clear in the SQLite file (+ WAL), only sealed envelopes', async () => {
      expect(secrets.size).toBeGreaterThanOrEqual(3);
      const text = await rawFiles();
      expect(text.length).toBeGreaterThan(0);
      // The stored value of alice's set, read raw (no opening) through the SQLite store: a sealed envelope.
      const keys = new Set(text.match(/mcpgate:v1:upstream:[\w-]{43}/g) ?? []);
      expect(keys.size).toBe(1);
      const store = sqliteStore(`sqlite://${file}`);
      try {
        expect(await store.get([...keys][0]!)).toEqual(SEALED);
      } finally {
        await store.close();
      }
      expectNoClearTokens(text, secrets, 'SQLite');
    });
  });
});
