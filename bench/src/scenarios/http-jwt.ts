/** Scenario 1: HTTP tools/call whoami, JWT + memory store vs the same app with no auth. */
import { createMcpAuth, memoryStore } from '@mcpgate/core';
import { startDevAuthorizationServer } from '@mcpgate/example-dev-authorization-server';
import { jwtValidator } from '@mcpgate/jwt-validator';
import { HTTP } from '../lib/config.js';
import { LoadGenerator } from '../lib/load.js';
import type { Scenario } from '../lib/report.js';
import { loopbackServer, mountApp, quietLogger, tokenFor, whoamiTarget, whoamiText } from '../lib/stack.js';
import { fmt, fmtInt, fmtRatio } from '../lib/stats.js';

export const httpJwt: Scenario = {
  id: 'jwt',
  title: '1. HTTP tools/call: JWT + memory store vs no auth',
  async run() {
    const authServer = await loopbackServer();
    const openServer = await loopbackServer();
    const resource = `${authServer.origin}/mcp`;
    const as = await startDevAuthorizationServer({ resource });
    const auth = createMcpAuth({
      resource,
      authorizationServers: [as.issuer],
      validator: jwtValidator({ issuer: as.issuer }),
      store: memoryStore(),
      requiredScopes: ['mcp:tools'],
      logger: quietLogger,
    });
    const authed = mountApp(authServer, auth);
    const open = mountApp(openServer, false);
    const load = new LoadGenerator();
    try {
      const token = await tokenFor(as, resource, 'alice');
      const targets = [await whoamiTarget('jwt + memory', authed.url, token), await whoamiTarget('no auth', open.url, token)];
      const answers = await Promise.all(targets.map(whoamiText));
      const [a, b] = await load.compare(targets, HTTP);
      const ratio = a!.rps / b!.rps;
      const roundRatios = a!.rounds.map((r, i) => r.rps / b!.rounds[i]!.rps);
      return {
        measures: `Requests/s of \`tools/call whoami\` over one open MCP session (SDK stateful transport, SSE answer), ${HTTP.connections} connections, ${HTTP.rounds} interleaved rounds of ${HTTP.durationSeconds} s per target after a ${HTTP.warmupSeconds} s warm-up; median of rounds.`,
        tables: [
          {
            table: {
              headers: ['target', 'req/s (median)', 'p50 ms', 'p99 ms', 'req/s per round', 'requests', 'non-2xx/errors'],
              rows: [a!, b!].map((s) => [s.name, fmtInt(s.rps), fmt(s.p50Ms, 0), fmt(s.p99Ms, 0), s.rounds.map((r) => fmtInt(r.rps)).join(' / '), fmtInt(s.requests), String(s.bad)]),
            },
          },
          {
            caption: 'ratio auth / no auth',
            table: {
              headers: ['ratio of medians', 'per-round ratios', 'target'],
              rows: [[fmtRatio(ratio), roundRatios.map(fmtRatio).join(' / '), '≥ 0.95×']],
            },
          },
        ],
        notes: [
          `Both apps listen at the same time in the bench process (one event loop, one core); autocannon runs in a child process. The no-auth app gets the same headers (its Authorization header is ignored).`,
          'Both apps are served through `example.listener`, as examples/mcp-server/src/main.ts serves the example since 9b078c5: the MCP path straight from Node’s `request` event, without Express (scenarios 3 and 4 mount their apps the same way). Runs before this one served `example.app` (Express on every request, ≈ 100 µs of CPU per request more in both apps), so mcpgate’s share of a request, and the gap between the two apps, is larger here than in those runs.',
          'Where the time goes: see scenario 6, which profiles the same app with and without auth in their own processes (mcpgate ≈ 50–60 µs of CPU per request of ≈ 340–360 there). An older observation, from when Express was in the path: deferring the memory store’s `get` by one `setImmediate` made the authenticated app ~20% *faster* than no auth in a side-by-side check, so event-loop scheduling of the SDK transport’s SSE writes can move req/s by more than the auth work does.',
          `whoami answers — auth: \`${answers[0]}\`; no auth: \`${answers[1]}\` (without auth the example's whoami answers a null subject; the tool work is otherwise the same).`,
        ],
        targets: [
          {
            what: 'JWT + memory store vs no auth (req/s)',
            target: '≥ 0.95×',
            measured: fmtRatio(ratio),
            met: ratio >= 0.95 && a!.bad === 0,
            ratio: { threshold: 0.95, median: ratio, min: Math.min(...roundRatios), max: Math.max(...roundRatios), cpu: NaN },
          },
        ],
      };
    } finally {
      load.close();
      await authed.close();
      await open.close();
      await as.close();
    }
  },
};
