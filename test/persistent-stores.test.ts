/**
 * Issue 4: persistent stores through the example PROCESS (`examples/mcp-server/dist/main.js`, what
 * `npm start` runs) — a real SQLite file, a real Redis (shared REDIS_URL on a random db, or a throw-away
 * `redis-server` we can SIGSTOP), the real dev AS, the real SDK client, the real device flow.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSealer, generateEncryptionKey } from '@mcpgate/core';
import { CredentialVault } from '../packages/upstream/src/vault.js';
import { approveDeviceCode, startDevAuthorizationServer, type DevAuthorizationServer } from '@mcpgate/example-dev-authorization-server';
import { ScriptedOAuthClientProvider, connectWithOAuth, type ConnectedClient } from '@mcpgate/example-mcp-server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createClient } from '@redis/client';
import sqlite3 from 'sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startExampleProcess, type ExampleProcess } from './helpers/process.js';
import { startRedisServer, type RedisServerProcess } from './helpers/redis-server.js';
import { callWhoami, initialize, openSession, post, rpcResult, tokenFor } from './helpers/stack.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const headers = (token: string, sessionId?: string): Record<string, string> => ({
  authorization: `Bearer ${token}`,
  ...(sessionId !== undefined ? { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' } : {}),
});
const subjectOf = (text: string) => (JSON.parse(rpcResult(text).result?.content?.[0]?.text ?? '{}') as { subject?: string }).subject;

async function callTool(client: Client, name: string) {
  const result = (await client.callTool({ name, arguments: {} })) as { content: Array<{ text: string }>; isError?: boolean };
  return { text: result.content[0]?.text ?? '', isError: result.isError === true };
}

/** A new SDK session with the tokens `provider` already holds (no new OAuth flow). */
async function reconnect(mcpUrl: string, provider: ScriptedOAuthClientProvider): Promise<ConnectedClient> {
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
  const client = new Client({ name: 'reconnected', version: '0' });
  await client.connect(transport);
  return { client, transport, provider };
}

/** connect_upstream → approve as `login` in the AS's device page → wait until upstream_whoami answers. */
async function connectUpstream(client: Client, login: string): Promise<{ sub: string }> {
  const started = await callTool(client, 'connect_upstream');
  expect(started.isError, started.text).toBe(false);
  const prompt = JSON.parse(started.text) as { verification_uri_complete: string; user_code: string };
  await approveDeviceCode(prompt.verification_uri_complete, { login });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const answer = await callTool(client, 'upstream_whoami');
    if (!answer.isError) return JSON.parse(answer.text) as { sub: string };
    expect(answer.text).toContain('connect_upstream');
    if (Date.now() > deadline) throw new Error(`upstream never connected: ${answer.text}`);
    await sleep(250);
  }
}

/** Records the value of every opaque token the AS stores (for opaque tokens oidc-provider's `jti` is the token). */
function recordOpaqueTokens(as: DevAuthorizationServer) {
  const tokens: Array<{ kind: string; clientId: string; value: string }> = [];
  for (const event of ['access_token.saved', 'refresh_token.saved', 'device_code.saved']) {
    as.provider.on(event, (token: { jti: string; clientId?: string }) => tokens.push({ kind: event, clientId: token.clientId ?? '', value: token.jti }));
  }
  return tokens;
}

function sqliteAll(file: string, sql: string, ...params: unknown[]): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (error) => {
      if (error) return reject(error);
      db.all(sql, params, (err, rows) => {
        db.close();
        if (err) reject(err);
        else resolve(rows as Array<Record<string, unknown>>);
      });
    });
  });
}

const redisBase = (process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379').replace(/\/\d*$/, '');

describe('SQLite: nothing in clear, and everything survives a restart', () => {
  let dir: string;
  let file: string;
  let as: DevAuthorizationServer;
  let proc: ExampleProcess | undefined;
  let env: Record<string, string>;
  let port: number;
  let opaque: ReturnType<typeof recordOpaqueTokens>;
  const key = generateEncryptionKey();
  const provider = new ScriptedOAuthClientProvider('alice');
  let firstSession = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpgate-sqlite-'));
    file = join(dir, 'store.sqlite');
    port = await freePort();
    as = await startDevAuthorizationServer({ resource: `http://127.0.0.1:${port}/mcp` });
    opaque = recordOpaqueTokens(as);
    env = {
      MCP_AUTH_ISSUER: as.issuer,
      MCP_AUTH_STORE: `sqlite://${file}`,
      MCP_AUTH_ENCRYPTION_KEY: key,
      MCP_UPSTREAM_CLIENT_ID: as.deviceClient.clientId,
    };
    proc = await startExampleProcess(env, { port });
  });
  afterAll(async () => {
    await proc?.stop();
    await as?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('after OAuth, tool calls and an upstream device flow, no issued token is in the SQLite file or its WAL', async () => {
    expect(proc!.output()).toContain(`store: SQLite at ${file}`);
    expect(proc!.output()).not.toContain('WARNING');
    const { client, transport } = await connectWithOAuth(proc!.mcpUrl, provider);
    firstSession = transport.sessionId ?? '';
    expect(firstSession).not.toBe('');
    expect(JSON.parse((await callTool(client, 'whoami')).text)).toMatchObject({ subject: 'alice' });
    const before = await callTool(client, 'upstream_whoami');
    expect(before.isError).toBe(true);
    expect(await connectUpstream(client, 'alice')).toMatchObject({ sub: 'alice' });
    expect(as.stats.deviceCodeGrants).toBeGreaterThanOrEqual(1);
    await client.close();

    const mcpTokens = provider.tokens()!;
    expect(mcpTokens.refresh_token).toBeDefined();
    const upstreamTokens = opaque.filter((t) => t.clientId === as.deviceClient.clientId && t.kind !== 'device_code.saved');
    // the device client got an access token and a refresh token: the assertion below is not vacuous
    expect(upstreamTokens.some((t) => t.kind === 'access_token.saved')).toBe(true);
    expect(upstreamTokens.some((t) => t.kind === 'refresh_token.saved')).toBe(true);
    const secrets = [mcpTokens.access_token, mcpTokens.refresh_token!, ...opaque.map((t) => t.value)];

    const files = [file, `${file}-wal`, `${file}-shm`].filter((f) => existsSync(f));
    const bytes = Buffer.concat(await Promise.all(files.map((f) => readFile(f))));
    expect(bytes.length).toBeGreaterThan(0);
    const text = bytes.toString('latin1');
    // the upstream set and the session binding were written
    const rows = await sqliteAll(file, 'SELECT key, value FROM mcpgate_store');
    const upstreamKey = `mcpgate:v1:${CredentialVault.keyOf({ issuer: as.issuer, subject: 'alice' })}`;
    expect(rows.map((r) => r['key'])).toContain(upstreamKey);
    expect(JSON.parse(rows.find((r) => r['key'] === upstreamKey)!['value'] as string)).toMatchObject({ v: 1, kid: expect.any(String), ct: expect.any(String) });
    for (const secret of secrets) {
      expect(text.includes(secret), `a ${secret.length}-char token appears in clear in the store files`).toBe(false);
    }
    // nor the raw session id (stored as an HMAC), nor token field names
    expect(text.includes(firstSession)).toBe(false);
    for (const field of ['access_token', 'accessToken', 'refresh_token', 'refreshToken']) expect(text.includes(field), field).toBe(false);
    expect(existsSync(`${file}.key`)).toBe(false);
  });

  it('session bindings and upstream credentials survive a restart (same port, file and key)', async () => {
    const bindingKey = `mcpgate:v1:session:${createSealer(key).lookupKey(firstSession)}`;
    expect((await sqliteAll(file, 'SELECT key FROM mcpgate_store WHERE key = ?', bindingKey)).length).toBe(1);
    const grants = as.stats.deviceCodeGrants;

    await proc!.stop();
    proc = await startExampleProcess(env, { port });

    // the binding is still stored...
    expect((await sqliteAll(file, 'SELECT key FROM mcpgate_store WHERE key = ?', bindingKey)).length).toBe(1);
    // ...but the SDK transport of that session died with the old process: unknown session → 404
    const token = provider.tokens()!.access_token;
    const stale = await post(proc.mcpUrl, callWhoami(), headers(token, firstSession));
    expect(stale.status, stale.text).toBe(404);

    // a new session by alice works, and her upstream account is still connected: no new device flow
    const { client } = await reconnect(proc.mcpUrl, provider);
    try {
      expect(JSON.parse((await callTool(client, 'whoami')).text)).toMatchObject({ subject: 'alice' });
      const upstream = await callTool(client, 'upstream_whoami');
      expect(upstream.isError, upstream.text).toBe(false);
      expect(JSON.parse(upstream.text)).toMatchObject({ sub: 'alice' });
    } finally {
      await client.close();
    }
    expect(as.stats.deviceCodeGrants).toBe(grants);
    expect(provider.codes).toHaveLength(1);
  });

  it('a locked SQLite file (another writer holds BEGIN EXCLUSIVE) → bounded wait then 503, then success once released', async () => {
    const alice = (await tokenFor(as, `http://127.0.0.1:${port}/mcp`, 'alice')).access_token;
    await openSession(proc!.mcpUrl, alice); // the store is open and its schema exists
    const db = new sqlite3.Database(file);
    const exec = (sql: string) => new Promise<void>((resolve, reject) => db.exec(sql, (error) => (error ? reject(error) : resolve())));
    try {
      await exec('PRAGMA busy_timeout = 5000; BEGIN EXCLUSIVE;');
      const started = Date.now();
      const locked = await post(proc!.mcpUrl, initialize, headers(alice));
      const elapsed = Date.now() - started;
      expect(locked.status, locked.text).toBe(503);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(locked.headers.get('mcp-session-id')).toBeNull();
      expect(elapsed).toBeLessThan(4_000);
      expect(proc!.child.exitCode).toBeNull();
      await exec('ROLLBACK;');
      const started2 = Date.now();
      const session = await openSession(proc!.mcpUrl, alice);
      expect(Date.now() - started2).toBeLessThan(4_000);
      const res = await post(proc!.mcpUrl, callWhoami(), headers(alice, session));
      expect(res.status).toBe(200);
      expect(subjectOf(res.text)).toBe('alice');
    } finally {
      await exec('ROLLBACK;').catch(() => undefined);
      await new Promise<void>((resolve) => db.close(() => resolve()));
    }
  });
});

describe('a persistent store without MCP_AUTH_ENCRYPTION_KEY', () => {
  let as: DevAuthorizationServer;
  let dir: string;
  beforeAll(async () => {
    as = await startDevAuthorizationServer({ resource: 'http://127.0.0.1:1/mcp' });
    dir = await mkdtemp(join(tmpdir(), 'mcpgate-nokey-'));
  });
  afterAll(async () => {
    await as?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('redis → the process exits with code 2 and names MCP_AUTH_ENCRYPTION_KEY', async () => {
    const error = await startExampleProcess({ MCP_AUTH_ISSUER: as.issuer, MCP_AUTH_STORE: `${redisBase}/1` }).then(
      async (p) => {
        await p.stop();
        return new Error('started');
      },
      (e: unknown) => e as Error,
    );
    expect(error.message).toMatch(/exited with 2/);
    expect(error.message).toMatch(/configuration error: .*MCP_AUTH_ENCRYPTION_KEY/);
    expect(error.message).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('sqlite (the default kind) → a development key is generated beside the DB (0600) with a WARNING line, and reused', async () => {
    const file = join(dir, 'nested', 'dev.sqlite');
    const env = { MCP_AUTH_ISSUER: as.issuer, MCP_AUTH_STORE: `sqlite://${file}` };
    const first = await startExampleProcess(env);
    let key: string;
    try {
      const warning = first.output().split('\n').find((l) => l.includes('WARNING'));
      expect(warning).toBeDefined();
      expect(warning).toContain('MCP_AUTH_ENCRYPTION_KEY');
      expect(warning).toContain(`${file}.key`);
      expect(warning).toContain('generated');
      const info = await stat(`${file}.key`);
      expect(info.mode & 0o777).toBe(0o600);
      key = (await readFile(`${file}.key`, 'utf8')).trim();
      expect(Buffer.from(key, 'base64')).toHaveLength(32);
    } finally {
      await first.stop();
    }
    const second = await startExampleProcess(env);
    try {
      expect(second.output()).toMatch(/WARNING: .*using a DEVELOPMENT key/);
      expect((await readFile(`${file}.key`, 'utf8')).trim()).toBe(key);
    } finally {
      await second.stop();
    }
  });
});

describe('two example processes on one Redis', () => {
  let as: DevAuthorizationServer;
  let a: ExampleProcess | undefined;
  let b: ExampleProcess | undefined;
  let resource: string;
  const db = 1 + Math.floor(Math.random() * 15);
  const uri = `${redisBase}/${db}`;
  const key = generateEncryptionKey();
  const sessions: string[] = [];

  beforeAll(async () => {
    const portA = await freePort();
    resource = `http://127.0.0.1:${portA}/mcp`;
    as = await startDevAuthorizationServer({ resource });
    // two instances of one deployment: same canonical resource, same store, same key
    const env = { MCP_AUTH_ISSUER: as.issuer, MCP_RESOURCE: resource, MCP_AUTH_STORE: uri, MCP_AUTH_ENCRYPTION_KEY: key, MCP_UPSTREAM_CLIENT_ID: as.deviceClient.clientId };
    [a, b] = await Promise.all([startExampleProcess(env, { port: portA }), startExampleProcess(env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    // remove exactly what this test wrote (never FLUSHDB: the db may be shared)
    const redis = createClient({ url: uri });
    try {
      await redis.connect();
      const sealer = createSealer(key);
      const hashes = [
        CredentialVault.keyOf({ issuer: as.issuer, subject: 'alice' }).split(':').pop()!,
        ...sessions.map((s) => sealer.lookupKey(s)),
      ];
      for (const hash of hashes) {
        for await (const batch of redis.scanIterator({ MATCH: `*${hash}*`, COUNT: 1000 })) {
          const keys = Array.isArray(batch) ? batch : [batch];
          if (keys.length > 0) await redis.del(keys);
        }
      }
    } finally {
      await redis.quit().catch(() => undefined);
      await as?.close();
    }
  });

  it('alice connects upstream via A; upstream_whoami on B works without another device flow', async () => {
    const provider = new ScriptedOAuthClientProvider('alice');
    const onA = await connectWithOAuth(a!.mcpUrl, provider);
    sessions.push(onA.transport.sessionId!);
    try {
      expect(await connectUpstream(onA.client, 'alice')).toMatchObject({ sub: 'alice' });
    } finally {
      await onA.client.close();
    }
    const grants = as.stats.deviceCodeGrants;
    const onB = await reconnect(b!.mcpUrl, provider);
    sessions.push(onB.transport.sessionId!);
    try {
      const upstream = await callTool(onB.client, 'upstream_whoami');
      expect(upstream.isError, upstream.text).toBe(false);
      expect(JSON.parse(upstream.text)).toMatchObject({ sub: 'alice' });
    } finally {
      await onB.client.close();
    }
    expect(as.stats.deviceCodeGrants).toBe(grants);
    expect(provider.codes).toHaveLength(1);
  });

  it('a session opened on A: B has no transport for it (404); bob cannot use it on A (404)', async () => {
    const alice = (await tokenFor(as, resource, 'alice')).access_token;
    const bob = (await tokenFor(as, resource, 'bob')).access_token;
    const session = await openSession(a!.mcpUrl, alice);
    sessions.push(session);
    const onA = await post(a!.mcpUrl, callWhoami(), headers(alice, session));
    expect(onA.status).toBe(200);
    expect(subjectOf(onA.text)).toBe('alice');
    expect((await post(b!.mcpUrl, callWhoami(), headers(alice, session))).status).toBe(404);
    const stolen = await post(a!.mcpUrl, callWhoami(), headers(bob, session));
    expect(stolen.status).toBe(404);
    expect(stolen.text).not.toContain('alice');
    // and bob has no upstream account, even on the instance alice used
    const bobSession = await openSession(b!.mcpUrl, bob);
    sessions.push(bobSession);
    const bobUpstream = await post(b!.mcpUrl, { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'upstream_whoami', arguments: {} } }, headers(bob, bobSession));
    expect(bobUpstream.status).toBe(200);
    expect(rpcResult(bobUpstream.text).result?.isError).toBe(true);
  });
});

describe('Redis paused (SIGSTOP)', () => {
  let redis: RedisServerProcess | undefined;
  let as: DevAuthorizationServer;
  let proc: ExampleProcess | undefined;
  let resource: string;

  beforeAll(async () => {
    redis = await startRedisServer();
    const port = await freePort();
    resource = `http://127.0.0.1:${port}/mcp`;
    as = await startDevAuthorizationServer({ resource });
    proc = await startExampleProcess({ MCP_AUTH_ISSUER: as.issuer, MCP_AUTH_STORE: redis.uri, MCP_AUTH_ENCRYPTION_KEY: generateEncryptionKey() }, { port });
  });
  afterAll(async () => {
    try {
      await redis?.stop();
    } finally {
      await proc?.stop();
      await as?.close();
    }
  });

  it('requests that need the store → 503 + Retry-After within the store timeout; server alive; SIGCONT → success', async () => {
    const alice = (await tokenFor(as, resource, 'alice')).access_token;
    const session = await openSession(proc!.mcpUrl, alice);
    const ok = await post(proc!.mcpUrl, callWhoami(), headers(alice, session));
    expect(ok.status).toBe(200);
    redis!.pause();
    try {
      // a session this process bound is served from its in-process binding (identity never changes), so it
      // keeps working; anything that must read or write the store fails closed
      const known = await post(proc!.mcpUrl, callWhoami(), headers(alice, session));
      expect(known.status, known.text).toBe(200);
      for (const [name, send] of [
        ['a session id this process has not seen (binding read)', () => post(proc!.mcpUrl, callWhoami(), headers(alice, 'f3b1c6d2-0000-4000-8000-000000000000'))],
        ['initialize (binding write)', () => post(proc!.mcpUrl, initialize, headers(alice))],
      ] as const) {
        const started = Date.now();
        const res = await send();
        const elapsed = Date.now() - started;
        expect(res.status, `${name}: ${res.text}`).toBe(503);
        expect(Number(res.headers.get('retry-after')), name).toBeGreaterThanOrEqual(1);
        expect(res.headers.get('mcp-session-id'), name).toBeNull();
        expect(res.text).not.toContain(alice);
        expect(elapsed, name).toBeLessThan(3_500);
      }
      expect(proc!.child.exitCode).toBeNull();
      expect((await fetch(`http://127.0.0.1:${proc!.port}/.well-known/oauth-protected-resource/mcp`)).status).toBe(200);
    } finally {
      redis!.resume();
    }
    const deadline = Date.now() + 5_000;
    let after = await post(proc!.mcpUrl, callWhoami(), headers(alice, session));
    while (after.status !== 200 && Date.now() < deadline) {
      await sleep(200);
      after = await post(proc!.mcpUrl, callWhoami(), headers(alice, session));
    }
    expect(after.status, after.text).toBe(200);
    expect(subjectOf(after.text)).toBe('alice');
    const fresh = await openSession(proc!.mcpUrl, alice);
    expect((await post(proc!.mcpUrl, callWhoami(), headers(alice, fresh))).status).toBe(200);
  });

  it('Redis killed → 503 + Retry-After; a new (empty) Redis on the same port → new sessions work, the old one stays its owner’s only', async () => {
    const alice = (await tokenFor(as, resource, 'alice')).access_token;
    const bob = (await tokenFor(as, resource, 'bob')).access_token;
    const session = await openSession(proc!.mcpUrl, alice);
    const port = redis!.port;
    await redis!.stop();
    const started = Date.now();
    const down = await post(proc!.mcpUrl, initialize, headers(alice));
    expect(down.status, down.text).toBe(503);
    expect(Number(down.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Date.now() - started).toBeLessThan(3_500);
    expect(proc!.child.exitCode).toBeNull();
    redis = await startRedisServer({ port });
    const deadline = Date.now() + 6_000;
    let status = 0;
    let sessionId = '';
    while (Date.now() < deadline) {
      const res = await post(proc!.mcpUrl, initialize, headers(alice));
      status = res.status;
      sessionId = res.headers.get('mcp-session-id') ?? '';
      if (status === 200) break;
      await sleep(250);
    }
    expect(status).toBe(200);
    expect(sessionId).not.toBe('');
    // the binding lived only in the Redis that died; this process still remembers it for a while, and only
    // ever for its owner
    expect((await post(proc!.mcpUrl, callWhoami(), headers(bob, session))).status).toBe(404);
    expect((await post(proc!.mcpUrl, callWhoami(), headers(alice, session))).status).toBe(200);
  });
});
