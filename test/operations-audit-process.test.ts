/**
 * The audit trail of the example PROCESS (`examples/mcp-server/dist/main.js`, what `npm start` runs) with
 * MCP_AUTH_AUDIT_LOG=<file>: alice signs in through the real authorization-code flow at the dev AS, opens a
 * session, calls whoami, then admin_whoami (403, step-up); a forged and an expired token, a request without
 * credentials and a malformed header are refused. The file then holds one JSON line per fact, with who, which
 * client, what and why, and none of the token bytes the test used. With MCP_AUTH_RATE_LIMIT the process
 * answers 429 past the limit and writes rate.limited.
 */
import { readFile, stat } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { McpAuthEvent } from '@mcpgate/core';
import { startDevAuthorizationServer, type DevAuthorizationServer, type UserTokenResponse } from '@mcpgate/example-dev-authorization-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forger } from './helpers/forge.js';
import { freePort, startExampleProcess, type ExampleProcess } from './helpers/process.js';
import { callWhoami, initialize, openSession, post, rpcResult, tokenFor } from './helpers/stack.js';

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

async function readEvents(file: string): Promise<McpAuthEvent[]> {
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as McpAuthEvent);
}

/** Polls the audit file until `done` holds (the log is written asynchronously). */
async function eventsUntil(file: string, done: (events: McpAuthEvent[]) => boolean, timeoutMs = 5_000): Promise<McpAuthEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await readEvents(file).catch(() => []);
    if (done(events) || Date.now() > deadline) return events;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('examples/mcp-server as a process with MCP_AUTH_AUDIT_LOG=<file>', () => {
  let as: DevAuthorizationServer;
  let proc: ExampleProcess | undefined;
  let resource: string;
  let file: string;
  let alice: UserTokenResponse;
  let sessionId: string;
  const secrets: string[] = [];
  let events: McpAuthEvent[] = [];

  beforeAll(async () => {
    const port = await freePort();
    resource = `http://127.0.0.1:${port}/mcp`;
    file = join(await mkdtemp(join(tmpdir(), 'mcpgate-audit-')), 'audit.jsonl');
    as = await startDevAuthorizationServer({ resource });
    proc = await startExampleProcess({ MCP_AUTH_ISSUER: as.issuer, MCP_AUTH_STORE: 'memory', MCP_AUTH_AUDIT_LOG: file }, { port });

    // OAuth as alice: dynamic registration, PKCE, login and consent at the real dev AS
    alice = await tokenFor(as, resource, 'alice');
    secrets.push(alice.access_token, ...(alice.refresh_token !== undefined ? [alice.refresh_token] : []));
    const bearer = { authorization: `Bearer ${alice.access_token}` };
    sessionId = await openSession(proc.mcpUrl, alice.access_token);
    const inSession = { ...bearer, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' };

    const whoami = await post(proc.mcpUrl, callWhoami(7), inSession);
    expect(whoami.status).toBe(200);
    expect(JSON.parse(rpcResult(whoami.text).result?.content?.[0]?.text ?? '{}')).toMatchObject({ subject: 'alice' });
    const admin = await post(proc.mcpUrl, { jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'admin_whoami', arguments: {} } }, inSession);
    expect(admin.status).toBe(403);

    const forge = await forger(as, resource);
    const tampered = await forge.tampered();
    const expired = await forge.expired();
    secrets.push(tampered, expired);
    expect((await post(proc.mcpUrl, initialize, { authorization: `Bearer ${tampered}` })).status).toBe(401);
    expect((await post(proc.mcpUrl, initialize, { authorization: `Bearer ${expired}` })).status).toBe(401);
    expect((await post(proc.mcpUrl, initialize)).status).toBe(401);
    expect((await post(proc.mcpUrl, initialize, { authorization: `Bearer ${alice.access_token} extra` })).status).toBe(400);

    events = await eventsUntil(file, (e) => e.filter((x) => x.type === 'request.refused').length >= 2 && e.some((x) => x.type === 'scope.step_up'));
  });
  afterAll(async () => {
    await proc?.stop();
    await as?.close();
  });

  it('says so at startup, and creates the file readable by its owner only', async () => {
    expect(proc!.output()).toContain(`audit log: ${file} (JSON lines, appended)`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('every line is one JSON event with a type and an ISO time', async () => {
    const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
    expect(lines.length).toBe(events.length);
    for (const event of events) {
      expect(typeof event.type).toBe('string');
      expect(event.time).toMatch(ISO_TIME);
    }
  });

  it('operation.allowed: who (issuer, subject), which client, which tool, the JSON-RPC id', () => {
    const allowed = events.filter((e) => e.type === 'operation.allowed');
    expect(allowed).toHaveLength(1);
    expect(allowed[0]).toEqual({
      type: 'operation.allowed',
      time: expect.stringMatching(ISO_TIME),
      outcome: 'ok',
      principal: { issuer: as.issuer, subject: 'alice' },
      clientId: expect.any(String),
      method: 'tools/call',
      target: 'whoami',
      requestId: 7,
    });
    expect(allowed[0]?.clientId).not.toBe('');
  });

  it('session.bound when alice opened her session (identity only, never the session id)', () => {
    expect(events.filter((e) => e.type === 'session.bound')).toEqual([
      { type: 'session.bound', time: expect.stringMatching(ISO_TIME), principal: { issuer: as.issuer, subject: 'alice' }, clientId: expect.any(String) },
    ]);
  });

  it('scope.step_up: admin_whoami refused 403, with every scope it needs', () => {
    const stepUp = events.filter((e) => e.type === 'scope.step_up');
    expect(stepUp).toHaveLength(1);
    expect(stepUp[0]).toMatchObject({ outcome: 'insufficient_scope', principal: { issuer: as.issuer, subject: 'alice' }, method: 'tools/call', target: 'admin_whoami', requestId: 8 });
    expect([...(stepUp[0]?.requiredScopes ?? [])].sort()).toEqual(['mcp:admin', 'mcp:tools']);
  });

  it('token.refused: the forged and the expired token, with the reason and no principal', () => {
    const refused = events.filter((e) => e.type === 'token.refused');
    expect(refused.map((e) => e.outcome).sort()).toEqual(['invalid_token:expired', 'invalid_token:signature']);
    for (const e of refused) {
      expect(e.principal).toBeUndefined();
      expect(Object.keys(e).sort()).toEqual(['outcome', 'time', 'type']);
    }
  });

  it('request.refused: no credentials, and a malformed Authorization header', () => {
    expect(
      events
        .filter((e) => e.type === 'request.refused')
        .map((e) => e.outcome)
        .sort(),
    ).toEqual(['invalid_request', 'no_credentials']);
  });

  it('holds no token bytes: none of the tokens the test used, nor their signatures, nor the session id', async () => {
    const text = await readFile(file, 'utf8');
    expect(events.length).toBeGreaterThanOrEqual(7); // something to search in
    expect(secrets.length).toBeGreaterThanOrEqual(3);
    for (const secret of secrets) {
      expect(text).not.toContain(secret);
      const signature = secret.split('.')[2];
      if (signature !== undefined && signature.length > 8) expect(text).not.toContain(signature);
    }
    expect(text).not.toContain(sessionId);
  });
});

describe('examples/mcp-server as a process with MCP_AUTH_RATE_LIMIT=2/60s and MCP_AUTH_AUDIT_LOG', () => {
  let as: DevAuthorizationServer;
  let proc: ExampleProcess | undefined;
  let resource: string;
  let file: string;

  beforeAll(async () => {
    const port = await freePort();
    resource = `http://127.0.0.1:${port}/mcp`;
    file = join(await mkdtemp(join(tmpdir(), 'mcpgate-audit-')), 'audit.jsonl');
    as = await startDevAuthorizationServer({ resource });
    proc = await startExampleProcess({ MCP_AUTH_ISSUER: as.issuer, MCP_AUTH_STORE: 'memory', MCP_AUTH_AUDIT_LOG: file, MCP_AUTH_RATE_LIMIT: '2/60s' }, { port });
  });
  afterAll(async () => {
    await proc?.stop();
    await as?.close();
  });

  it('says so at startup', () => {
    expect(proc!.output()).toContain('rate limit: 2 requests per 60 s per user, then 429 with Retry-After; counted in this process only (memory store)');
  });

  it("the third request of a user in the window is 429 with Retry-After and a JSON-RPC error; another user's are not", async () => {
    const alice = await tokenFor(as, resource, 'alice');
    const bob = await tokenFor(as, resource, 'bob');
    const asAlice = { authorization: `Bearer ${alice.access_token}` };
    expect((await post(proc!.mcpUrl, initialize, asAlice)).status).toBe(200);
    expect((await post(proc!.mcpUrl, initialize, asAlice)).status).toBe(200);
    const refused = await post(proc!.mcpUrl, initialize, asAlice);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    expect(JSON.parse(refused.text)).toEqual({ jsonrpc: '2.0', error: { code: -32000, message: expect.stringMatching(/^Too Many Requests/) }, id: null });
    expect((await post(proc!.mcpUrl, initialize, { authorization: `Bearer ${bob.access_token}` })).status).toBe(200);

    const events = await eventsUntil(file, (e) => e.some((x) => x.type === 'rate.limited'));
    expect(events.filter((e) => e.type === 'rate.limited')).toEqual([
      {
        type: 'rate.limited',
        time: expect.stringMatching(ISO_TIME),
        outcome: 'rate_limited',
        principal: { issuer: as.issuer, subject: 'alice' },
        clientId: expect.any(String),
        method: 'initialize',
        requestId: 1,
      },
    ]);
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(alice.access_token);
    expect(text).not.toContain(bob.access_token);
  });
});

describe('examples/mcp-server as a process with a bad MCP_AUTH_RATE_LIMIT or an unwritable MCP_AUTH_AUDIT_LOG', () => {
  let as: DevAuthorizationServer;
  beforeAll(async () => {
    as = await startDevAuthorizationServer({ resource: 'http://127.0.0.1:1/mcp' });
  });
  afterAll(async () => {
    await as?.close();
  });

  const exitOf = (env: Record<string, string>) =>
    startExampleProcess({ MCP_AUTH_ISSUER: as.issuer, MCP_AUTH_STORE: 'memory', ...env }).then(
      async (p) => {
        await p.stop();
        return new Error('started');
      },
      (e: unknown) => e as Error,
    );

  it('exits with code 2 and names MCP_AUTH_RATE_LIMIT', async () => {
    const error = await exitOf({ MCP_AUTH_RATE_LIMIT: '120 per minute' });
    expect(error.message).toMatch(/exited with 2/);
    expect(error.message).toMatch(/configuration error: MCP_AUTH_RATE_LIMIT must be <requests>\/<window>/);
  });

  it('exits with code 2 and names MCP_AUTH_AUDIT_LOG when the file cannot be opened', async () => {
    const error = await exitOf({ MCP_AUTH_AUDIT_LOG: '/nonexistent-directory/audit.jsonl' });
    expect(error.message).toMatch(/exited with 2/);
    expect(error.message).toMatch(/configuration error: MCP_AUTH_AUDIT_LOG: cannot append to \/nonexistent-directory\/audit\.jsonl: ENOENT/);
  });
});
