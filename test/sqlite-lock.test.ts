/**
 * Issue 4, SQLite held by another writer for a while (a backup, a migration, a second process stuck in a
 * transaction): through the example PROCESS, with a real SQLite file locked by `BEGIN EXCLUSIVE` from this
 * test. Every request that needs to write must get its 503 within the store timeout (2 s by default), and
 * requests that do not touch the store (the RFC 9728 metadata) must keep answering at once — the process
 * must never freeze.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateEncryptionKey } from '@mcpgate/core';
import { startDevAuthorizationServer, type DevAuthorizationServer } from '@mcpgate/example-dev-authorization-server';
import sqlite3 from 'sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startExampleProcess, type ExampleProcess } from './helpers/process.js';
import { callWhoami, initialize, openSession, post, tokenFor } from './helpers/stack.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SQLite locked by another writer for 12 s', () => {
  let dir: string;
  let file: string;
  let as: DevAuthorizationServer;
  let proc: ExampleProcess | undefined;
  let token: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpgate-lock-'));
    file = join(dir, 'store.sqlite');
    const port = await freePort();
    const resource = `http://127.0.0.1:${port}/mcp`;
    as = await startDevAuthorizationServer({ resource });
    proc = await startExampleProcess({ MCP_AUTH_ISSUER: as.issuer, MCP_AUTH_STORE: `sqlite://${file}`, MCP_AUTH_ENCRYPTION_KEY: generateEncryptionKey() }, { port });
    token = (await tokenFor(as, resource, 'alice')).access_token;
    await openSession(proc.mcpUrl, token); // the store is open and its schema exists
  });
  afterAll(async () => {
    await proc?.stop();
    await as?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('every write answers 503 within the store timeout, the process never freezes, and it recovers at once when released', async () => {
    const db = new sqlite3.Database(file);
    const exec = (sql: string) => new Promise<void>((resolve, reject) => db.exec(sql, (error) => (error ? reject(error) : resolve())));
    const writes: Array<{ at: number; status: number; ms: number }> = [];
    const pings: Array<{ at: number; ms: number }> = [];
    const started = Date.now();
    const write = async () => {
      const at = Date.now() - started;
      // a connection reset counts as a failed answer (status 0), it does not abort the measurement
      // and no answer within 8 s is recorded as status -1 (a hang)
      const status = await fetch(proc!.mcpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` },
        body: JSON.stringify(initialize),
        signal: AbortSignal.timeout(8_000),
      }).then(
        async (r) => (await r.arrayBuffer(), r.status),
        (error: unknown) => ((error as Error).name === 'TimeoutError' ? -1 : 0),
      );
      writes.push({ at, status, ms: Date.now() - started - at });
    };
    try {
      await exec('PRAGMA busy_timeout = 5000; BEGIN EXCLUSIVE;');
      const metadata = `http://127.0.0.1:${proc!.port}/.well-known/oauth-protected-resource/mcp`;
      const pinger = (async () => {
        while (Date.now() - started < 12_000) {
          const at = Date.now() - started;
          await fetch(metadata, { signal: AbortSignal.timeout(8_000) }).then((r) => r.arrayBuffer(), () => undefined);
          pings.push({ at, ms: Date.now() - started - at });
          await sleep(250);
        }
      })();
      // two clients initialize at once, then one more each second
      const writers = [write(), write()];
      while (Date.now() - started < 11_000) {
        await sleep(1_000);
        writers.push(write());
      }
      await Promise.all([pinger, ...writers]);
    } finally {
      await exec('ROLLBACK;').catch(() => undefined);
      await new Promise<void>((resolve) => db.close(() => resolve()));
    }
    // released: measure recovery before asserting anything
    const released = Date.now();
    const recovered = await openSession(proc!.mcpUrl, token).then(
      async (session) => (await post(proc!.mcpUrl, callWhoami(), { authorization: `Bearer ${token}`, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' })).status,
      (error: unknown) => String(error),
    );
    const recoveryMs = Date.now() - released;

    const report = JSON.stringify({ writes, slowPings: pings.filter((p) => p.ms > 200), recovered, recoveryMs });
    expect(proc!.child.exitCode, report).toBeNull();
    expect(writes.every((w) => w.status === 503), `every write answers 503 (-1 = no answer in 8 s): ${report}`).toBe(true);
    const slowestWrite = writes.reduce((a, b) => (b.ms > a.ms ? b : a));
    expect(slowestWrite.ms, `a write waited ${slowestWrite.ms} ms (sent at t=${slowestWrite.at} ms): ${report}`).toBeLessThan(4_000);
    const slowestPing = pings.reduce((a, b) => (b.ms > a.ms ? b : a));
    expect(slowestPing.ms, `metadata (no store involved) took ${slowestPing.ms} ms at t=${slowestPing.at} ms, the event loop was blocked: ${report}`).toBeLessThan(1_000);
    expect(recovered, report).toBe(200);
    expect(recoveryMs, report).toBeLessThan(4_000);
  });
});
