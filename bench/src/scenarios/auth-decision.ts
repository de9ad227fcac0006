/**
 * Scenario 2: the in-process cost of one `auth.authenticate(...)` decision: a repeat token (verified-
 * token cache hit) with and without a session id, versus first-time validation (RS256 signature check
 * of a token never seen before, forged with the dev AS's real signing key).
 */
import { randomUUID } from 'node:crypto';
import { createMcpAuth, memoryStore, type McpAuth } from '@mcpgate/core';
import { startDevAuthorizationServer } from '@mcpgate/example-dev-authorization-server';
import { jwtValidator } from '@mcpgate/jwt-validator';
import { SignJWT, importJWK } from 'jose';
import type { Scenario } from '../lib/report.js';
import { quietLogger, tokenFor } from '../lib/stack.js';
import { fmt, fmtInt, median } from '../lib/stats.js';

const N_REPEAT = 200_000;
const N_FIRST = 2_000;
const ROUNDS = 5;
/** Time bound of one measured chunk (the loops are bounded in count and time). */
const CHUNK_LIMIT_MS = 10_000;

const body = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'whoami', arguments: {} } };

async function timeLoop(count: number, op: (i: number) => Promise<unknown>): Promise<{ nsPerOp: number; done: number }> {
  const deadline = performance.now() + CHUNK_LIMIT_MS;
  const start = process.hrtime.bigint();
  let i = 0;
  for (; i < count; i++) {
    await op(i);
    if ((i & 1023) === 1023 && performance.now() > deadline) {
      i++;
      break;
    }
  }
  return { nsPerOp: Number(process.hrtime.bigint() - start) / i, done: i };
}

export const authDecision: Scenario = {
  id: 'decision',
  title: '2. In-process cost of one auth decision',
  async run() {
    const resource = 'http://127.0.0.1:1/mcp';
    const as = await startDevAuthorizationServer({ resource });
    const auth: McpAuth = createMcpAuth({
      resource,
      authorizationServers: [as.issuer],
      validator: jwtValidator({ issuer: as.issuer }),
      store: memoryStore(),
      requiredScopes: ['mcp:tools'],
      tokenCache: { maxEntries: 10_000 },
      logger: quietLogger,
    });
    try {
      const token = await tokenFor(as, resource, 'alice');
      const sessionId = randomUUID();
      const { principal } = await auth.authenticate({ method: 'POST', authorization: [`Bearer ${token}`], body });
      await auth.bindSession(sessionId, principal);
      const withSession = { method: 'POST', authorization: [`Bearer ${token}`], sessionId, body };
      const noSession = { method: 'POST', authorization: [`Bearer ${token}`], body };

      // First-time validation: distinct tokens signed with the AS's real key (claims as the AS issues them).
      const key = await importJWK(as.signingKeys.privateJwk, 'RS256');
      const now = Math.floor(Date.now() / 1000);
      const forged: string[] = [];
      for (let i = 0; i < N_FIRST + 200; i++) {
        forged.push(
          await new SignJWT({ scope: 'mcp:tools', client_id: 'bench', jti: `bench-${i}` })
            .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: as.signingKeys.kid })
            .setIssuer(as.issuer)
            .setSubject('alice')
            .setAudience(resource)
            .setIssuedAt(now)
            .setExpirationTime(now + 3600)
            .sign(key),
        );
      }

      // Warm-up (JIT, JWKS fetched once): 20k repeat decisions of each kind, 200 first-time ones.
      for (let i = 0; i < 20_000; i++) {
        await auth.authenticate(withSession);
        await auth.authenticate(noSession);
      }
      for (let i = 0; i < 200; i++) await auth.authenticate({ method: 'POST', authorization: [`Bearer ${forged[N_FIRST + i]}`], body });

      const per = { session: [] as number[], nosession: [] as number[], first: [] as number[] };
      const done = { session: 0, nosession: 0, first: 0 };
      const repeatChunk = N_REPEAT / ROUNDS;
      const firstChunk = N_FIRST / ROUNDS;
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 === 0 ? (['session', 'nosession', 'first'] as const) : (['first', 'nosession', 'session'] as const);
        for (const kind of order) {
          let r: { nsPerOp: number; done: number };
          if (kind === 'session') r = await timeLoop(repeatChunk, () => auth.authenticate(withSession));
          else if (kind === 'nosession') r = await timeLoop(repeatChunk, () => auth.authenticate(noSession));
          else {
            const base = round * firstChunk;
            r = await timeLoop(firstChunk, (i) => auth.authenticate({ method: 'POST', authorization: [`Bearer ${forged[base + i]}`], body }));
          }
          per[kind].push(r.nsPerOp);
          done[kind] += r.done;
        }
      }
      const s = median(per.session);
      const n = median(per.nosession);
      const f = median(per.first);
      const row = (name: string, values: number[], total: number, m: number) => [
        name,
        fmtInt(m),
        fmt(m / 1000, 2),
        values.map((v) => fmtInt(v)).join(' / '),
        fmtInt(total),
        fmtInt(1e9 / m),
      ];
      return {
        measures: `Wall time of one awaited \`auth.authenticate({ method: 'POST', authorization: ['Bearer …'], sessionId?, body: tools/call whoami })\` in a tight sequential loop (JWT validator, memory store, token cache on), ${ROUNDS} interleaved rounds after a warm-up; median of rounds.`,
        tables: [
          {
            table: {
              headers: ['decision', 'ns/op (median)', 'µs/op', 'ns/op per round', 'ops measured', 'ops/s'],
              rows: [
                row('repeat token + session id (cache hit, binding check)', per.session, done.session, s),
                row('repeat token, no session id (cache hit)', per.nosession, done.nosession, n),
                row('first-time token (RS256 verify, claims, cache fill)', per.first, done.first, f),
              ],
            },
          },
        ],
        notes: [
          `First-time tokens: ${fmtInt(N_FIRST)} distinct JWTs signed with the dev AS's real key (\`as.signingKeys.privateJwk\`), each authenticated once; a first-time decision costs ${fmt(f / s, 0)}× a repeat one with a session.`,
          'The session check hits the in-process map of bindings this process has seen (the store is read once per session per 30 s); the token costs one one-shot SHA-256 (`crypto.hash`) and a map lookup.',
          'Where the time goes (`--cpu-prof` of this loop): SHA-256 of the ~770-byte JWT for the cache key, the RFC 6750 b64token regex over it, building the `AuthInfo`, GC, and the promise of the async call itself.',
        ],
        targets: [
          { what: 'repeat-token decision with session id', target: '≤ 5 µs', measured: `${fmt(s / 1000, 2)} µs`, met: s <= 5000 },
          { what: 'repeat-token decision without session id', target: '≤ 5 µs', measured: `${fmt(n / 1000, 2)} µs`, met: n <= 5000 },
        ],
      };
    } finally {
      await auth.close();
      await as.close();
    }
  },
};
