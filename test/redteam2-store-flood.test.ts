/**
 * Red team 2: the per-kind memory store (a97c16a) traded eviction for refusal. A full kind now refuses
 * every new key (503) until its entries expire, and the kinds that hold security records are shared by
 * every user. One authenticated user can fill them on purpose:
 *
 * 1. `dpop-jti:` markers are written in the DPoP check (authenticate.ts, checkProof), before the session,
 *    scope and rate-limit checks. Every proof mallory signs with her own bound key adds a marker that lives
 *    up to ~2 x proofMaxAgeSeconds (iat may be 300 s in the future: ~601 s), even when the request is then
 *    refused (429 over her rate limit, 403, 404). 100,000 proofs (the default maxEntries) and every DPoP
 *    user of the server gets 503 for ~10 minutes; she keeps it so with ~170 proofs/s. Her rate limit does not
 *    help: the marker is written before the request is charged.
 * 2. `session:` bindings live sessionTtlMs (24 h idle by default). 100,000 initialize requests and nobody
 *    can open a session for a day (the library has no per-user cap; only the example app adds one).
 *
 * Each test passes only when the hole is closed.
 */
import { createHash, randomUUID } from 'node:crypto';
import { memoryStore, type McpAuth } from '@mcpgate/core';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { fakeAuth, fakePrincipal, quietLogger } from './helpers/fake-auth.js';

const RESOURCE = 'https://mcp.example.com/mcp';
const ping = { jsonrpc: '2.0', id: 1, method: 'ping' };

interface Key {
  privateKey: CryptoKey;
  jwk: JWK;
  jkt: string;
}

async function newKey(): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

const ath = (token: string): string => createHash('sha256').update(token).digest('base64url');
const proof = (key: Key, token: string, iatSkew = 0): Promise<string> =>
  new SignJWT({ jti: randomUUID(), htm: 'POST', htu: RESOURCE, iat: Math.floor(Date.now() / 1000) + iatSkew, ath: ath(token) })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk })
    .sign(key.privateKey);

describe('red team 2: one user fills a shared security partition of the default memory store', () => {
  it('DPoP: mallory (rate limited to 10/min) cannot lock every DPoP user out with her own proofs', async () => {
    const alice = await newKey();
    const mallory = await newKey();
    const auth: McpAuth = fakeAuth(
      RESOURCE,
      { alice: fakePrincipal(RESOURCE, 'alice', { jkt: alice.jkt }), mallory: fakePrincipal(RESOURCE, 'mallory', { jkt: mallory.jkt }) },
      {
        // the default memory store, sized down (100,000 entries per kind by default) so the test runs in seconds
        store: memoryStore({ maxEntries: 2_000, logger: quietLogger }),
        rateLimit: { limit: 10, windowMs: 60_000 },
      },
    );
    // alice works
    await expect(auth.authenticate({ method: 'POST', authorization: ['DPoP alice'], dpop: [await proof(alice, 'alice')], body: ping })).resolves.toBeDefined();

    // mallory: 3,000 proofs (past the store's 2,000) with iat 290 s ahead (remembered ~590 s each); all but 10 answered 429
    let refused429 = 0;
    for (let round = 0; round < 3; round++) {
      const proofs = await Promise.all(Array.from({ length: 1_000 }, () => proof(mallory, 'mallory', 290)));
      const outcomes = await Promise.allSettled(proofs.map((p) => auth.authenticate({ method: 'POST', authorization: ['DPoP mallory'], dpop: [p], body: ping })));
      for (const o of outcomes) if (o.status === 'rejected' && (o.reason as { code?: string }).code === 'ERR_RATE_LIMITED') refused429++;
    }
    expect(refused429).toBe(2_990);

    // alice, a fresh proof of her own: today 503 "memory store full" for the next ~10 minutes
    const outcome = await auth.authenticate({ method: 'POST', authorization: ['DPoP alice'], dpop: [await proof(alice, 'alice')], body: ping }).then(
      () => 'ok',
      (error: { code?: string; message?: string }) => `${error.code}: ${error.message}`,
    );
    await auth.close();
    expect(outcome).toBe('ok');
  }, 300_000);

  it('sessions: mallory opening 100,000 sessions does not stop alice from opening one (for 24 h)', async () => {
    const auth: McpAuth = fakeAuth(RESOURCE, { alice: fakePrincipal(RESOURCE, 'alice'), mallory: fakePrincipal(RESOURCE, 'mallory') });
    const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'm', version: '1' } } };
    // what either adapter does for each initialize answered with a fresh Mcp-Session-Id
    for (let i = 0; i < 100_000; i++) {
      const ok = await auth.authenticate({ method: 'POST', authorization: ['Bearer mallory'], body: initialize });
      await auth.bindSession(randomUUID(), ok.principal);
    }
    const ok = await auth.authenticate({ method: 'POST', authorization: ['Bearer alice'], body: initialize });
    const outcome = await auth.bindSession(randomUUID(), ok.principal).then(
      () => 'bound',
      (error: { code?: string; message?: string }) => `${error.code}: ${error.message}`,
    );
    await auth.close();
    expect(outcome).toBe('bound');
  }, 300_000);
});
