/**
 * Scenario 3: opaque tokens checked by introspection (cached 60 s) vs JWT, each app with its own dev
 * AS, side by side; plus the AS introspection calls per 1,000 requests.
 */
import { createMcpAuth, memoryStore } from '@mcpgate/core';
import { startDevAuthorizationServer, type DevAuthorizationServer } from '@mcpgate/example-dev-authorization-server';
import { introspectionValidator } from '@mcpgate/introspection-validator';
import { jwtValidator } from '@mcpgate/jwt-validator';
import { HTTP } from '../lib/config.js';
import { LoadGenerator } from '../lib/load.js';
import type { Scenario } from '../lib/report.js';
import { loopbackServer, mountApp, quietLogger, tokenFor, whoamiTarget } from '../lib/stack.js';
import { fmt, fmtInt, fmtRatio } from '../lib/stats.js';

export const introspection: Scenario = {
  id: 'introspection',
  title: '3. HTTP tools/call: introspection (cached) vs JWT',
  async run() {
    const opaqueServer = await loopbackServer();
    const jwtServer = await loopbackServer();
    const opaqueResource = `${opaqueServer.origin}/mcp`;
    const jwtResource = `${jwtServer.origin}/mcp`;
    const opaqueAs: DevAuthorizationServer = await startDevAuthorizationServer({ resource: opaqueResource, accessTokenFormat: 'opaque' });
    const jwtAs: DevAuthorizationServer = await startDevAuthorizationServer({ resource: jwtResource });
    const opaqueApp = mountApp(
      opaqueServer,
      createMcpAuth({
        resource: opaqueResource,
        authorizationServers: [opaqueAs.issuer],
        validator: introspectionValidator({
          issuer: opaqueAs.issuer,
          clientId: opaqueAs.introspectionClient.clientId,
          clientSecret: opaqueAs.introspectionClient.clientSecret,
          cacheTtlSeconds: 60,
        }),
        store: memoryStore(),
        requiredScopes: ['mcp:tools'],
        logger: quietLogger,
      }),
    );
    const jwtApp = mountApp(
      jwtServer,
      createMcpAuth({
        resource: jwtResource,
        authorizationServers: [jwtAs.issuer],
        validator: jwtValidator({ issuer: jwtAs.issuer }),
        store: memoryStore(),
        requiredScopes: ['mcp:tools'],
        logger: quietLogger,
      }),
    );
    const load = new LoadGenerator();
    try {
      const opaqueToken = await tokenFor(opaqueAs, opaqueResource, 'alice');
      if (opaqueToken.split('.').length === 3) throw new Error('the opaque AS issued a JWT');
      const targets = [
        await whoamiTarget('introspection (cache 60 s)', opaqueApp.url, opaqueToken),
        await whoamiTarget('jwt', jwtApp.url, await tokenFor(jwtAs, jwtResource, 'alice')),
      ];
      let introspectedRequests = 0;
      const [intro, jwt] = await load.compare(targets, {
        ...HTTP,
        onRound: (target, round) => {
          if (target !== targets[0]) return;
          introspectedRequests += round.requests;
        },
      });
      const introspections = opaqueAs.stats.introspections;
      const ratio = intro!.rps / jwt!.rps;
      const perThousand = (introspections / Math.max(1, introspectedRequests)) * 1000;
      const roundRatios = intro!.rounds.map((r, i) => r.rps / jwt!.rounds[i]!.rps);
      return {
        measures: `Requests/s of \`tools/call whoami\` on one open session, opaque token + introspectionValidator (cacheTtlSeconds 60) vs JWT + jwtValidator, each against its own dev AS; ${HTTP.connections} connections, ${HTTP.rounds} interleaved rounds of ${HTTP.durationSeconds} s; median of rounds.`,
        tables: [
          {
            table: {
              headers: ['target', 'req/s (median)', 'p50 ms', 'p99 ms', 'req/s per round', 'requests', 'non-2xx/errors'],
              rows: [intro!, jwt!].map((s) => [s.name, fmtInt(s.rps), fmt(s.p50Ms, 0), fmt(s.p99Ms, 0), s.rounds.map((r) => fmtInt(r.rps)).join(' / '), fmtInt(s.requests), String(s.bad)]),
            },
          },
          {
            caption: 'ratio introspection / JWT, and AS load',
            table: {
              headers: ['ratio of medians', 'per-round ratios', 'target', 'introspection calls (whole scenario)', 'requests (measured rounds)', 'calls per 1,000 requests'],
              rows: [[fmtRatio(ratio), roundRatios.map(fmtRatio).join(' / '), '≥ 0.9×', fmtInt(introspections), fmtInt(introspectedRequests), fmt(perThousand, 4)]],
            },
          },
        ],
        notes: [
          'Introspection calls counted by the dev AS (`stats.introspections`) over the whole scenario, including set-up and warm-up (so an upper bound), divided by the requests completed in the measured rounds.',
          'The introspection answer is cached by the validator (60 s) and the verdict by core’s verified-token cache (capped by the validator’s maxCacheTtlMs), so steady state is the same cache-hit path as JWT.',
        ],
        targets: [{ what: 'introspection (cached) vs JWT (req/s)', target: '≥ 0.9×', measured: fmtRatio(ratio), met: ratio >= 0.9 && intro!.bad === 0 }],
      };
    } finally {
      load.close();
      await opaqueApp.close();
      await jwtApp.close();
      await opaqueAs.close();
      await jwtAs.close();
    }
  },
};
