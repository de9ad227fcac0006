/**
 * Scenario 5: upstream refresh grants per expiry. A device-flow-connected user, upstream access tokens
 * living 2 s at the real dev AS; after each expiry N callers ask for the token at the same moment,
 * through one facade or spread over two facades sharing one store; the AS counts refresh grants.
 */
import { createSealer, generateEncryptionKey, memoryStore, type Store } from '@mcpgate/core';
import { createUpstreamCredentials, type DeviceAuthorizationOutcome, type UpstreamCredentials } from '@mcpgate/upstream';
import { approveDeviceCode, startDevAuthorizationServer, type DevAuthorizationServer } from '@mcpgate/example-dev-authorization-server';
import type { Scenario, TargetCheck } from '../lib/report.js';
import { fmt, fmtInt, median, sleep } from '../lib/stats.js';
import { REDIS_URL, loudSkip, openRedis, redisPrefix } from '../lib/stores.js';

const CALLERS = [1, 20, 100] as const;
const EXPIRIES = 3;
const TTL_SECONDS = 2;
const quiet = { warn: () => undefined, error: () => undefined };

interface Setup {
  readonly name: string;
  readonly facades: UpstreamCredentials[];
  readonly stores: Store[];
}

async function connect(as: DevAuthorizationServer, facade: UpstreamCredentials, settled: () => DeviceAuthorizationOutcome | undefined, principal: { issuer: string; subject: string }): Promise<void> {
  const prompt = await facade.startDeviceAuthorization(principal);
  await approveDeviceCode(prompt.verification_uri_complete!, { login: 'alice' });
  const deadline = Date.now() + 20_000;
  while (settled() === undefined && Date.now() < deadline) await sleep(50);
  if (settled() !== 'connected') throw new Error(`device flow did not connect: ${settled() ?? 'timeout'} (${as.issuer})`);
}

export const upstreamRefresh: Scenario = {
  id: 'upstream',
  title: '5. Upstream refresh grants per expiry',
  async run() {
    const as = await startDevAuthorizationServer({ resource: 'http://127.0.0.1:1/mcp', upstreamAccessTokenTtlSeconds: TTL_SECONDS });
    const notes: string[] = [];
    const setups: Setup[] = [];
    const outcomes = new Map<string, DeviceAuthorizationOutcome>();
    const facade = (store: Store, sealer?: ReturnType<typeof createSealer>) =>
      createUpstreamCredentials({
        store,
        sealer,
        issuer: as.issuer,
        clientId: as.deviceClient.clientId,
        logger: quiet,
        onDeviceAuthorizationSettled: (p, outcome) => outcomes.set(p.subject, outcome),
      });
    try {
      const mem = memoryStore();
      setups.push({ name: 'one instance (memory store)', facades: [facade(mem)], stores: [mem] });
      const prefix = redisPrefix();
      const first = await openRedis(prefix);
      const second = 'store' in first ? await openRedis(prefix) : first;
      if ('store' in first && 'store' in second) {
        const sealer = createSealer(generateEncryptionKey());
        setups.push({ name: 'two instances (two redisStore clients, one Redis)', facades: [facade(first.store, sealer), facade(second.store, sealer)], stores: [first.store, second.store] });
      } else {
        const reason = 'skipped' in first ? first.skipped : 'second Redis client failed';
        notes.push(`**${loudSkip('two instances on Redis', reason)}**; measured instead: two facades on one memoryStore (one process).`);
        const shared = memoryStore();
        setups.push({ name: 'two instances (two facades, one memoryStore — Redis unavailable)', facades: [facade(shared), facade(shared)], stores: [shared] });
      }

      const rows: string[][] = [];
      const targets: TargetCheck[] = [];
      let subject = 0;
      for (const setup of setups) {
        const principal = { issuer: 'https://mcp-login.bench', subject: `bench-user-${++subject}` };
        await connect(as, setup.facades[0]!, () => outcomes.get(principal.subject), principal);
        for (const callers of CALLERS) {
          const grants: number[] = [];
          const distinct: number[] = [];
          const waitMs: number[] = [];
          for (let expiry = 0; expiry < EXPIRIES; expiry++) {
            const set = await setup.facades[0]!.tokenSet(principal);
            if (set?.expiresAt === undefined) throw new Error('no upstream token set with an expiry');
            await sleep(Math.min(5_000, Math.max(0, set.expiresAt * 1000 - Date.now()) + 100));
            const before = as.stats.refreshGrants;
            const t0 = performance.now();
            const tokens = await Promise.all(Array.from({ length: callers }, (_, i) => setup.facades[i % setup.facades.length]!.accessToken(principal)));
            waitMs.push(performance.now() - t0);
            grants.push(as.stats.refreshGrants - before);
            distinct.push(new Set(tokens).size);
          }
          const exact = grants.every((g) => g === 1);
          rows.push([setup.name, String(callers), grants.join(' / '), distinct.join(' / '), fmt(median(waitMs), 0), exact ? 'yes' : 'NO']);
          targets.push({
            what: `refresh grants per expiry, ${setup.name.split(' (')[0]}, ${callers} caller${callers === 1 ? '' : 's'}`,
            target: 'exactly 1',
            measured: grants.join(' / '),
            met: exact,
          });
        }
        for (const f of setup.facades) await f.disconnect(principal).catch(() => undefined);
      }
      notes.push(
        `Dev AS with \`upstreamAccessTokenTtlSeconds: ${TTL_SECONDS}\`; the user connected once through the device flow (\`approveDeviceCode\`). Each expiry: wait until the stored access token has expired (+100 ms), then N concurrent \`accessToken(principal)\` calls (spread round-robin over the facades), count \`as.stats.refreshGrants\` before/after. ${EXPIRIES} expiries per row.`,
        `Two instances ${setups[1]!.name.includes('redis') ? `share Redis at ${REDIS_URL} (random key prefix, values sealed with one key); each facade has its own in-process single flight, so the cross-instance lock (\`add\` = SET NX PX) is what keeps it to one grant` : 'are two facades on one memoryStore (Redis unreachable)'}.`,
      );
      return {
        measures: `Refresh-token grants the AS sees per upstream-token expiry, with 1, 20 and 100 concurrent callers, one instance vs two instances sharing a store; ${fmtInt(EXPIRIES)} expiries each.`,
        tables: [
          {
            table: {
              headers: ['instances', 'callers', 'refresh grants per expiry', 'distinct tokens returned', 'time to answer all (ms, median)', 'exactly 1?'],
              rows,
            },
          },
        ],
        notes,
        targets,
      };
    } finally {
      for (const setup of setups) for (const f of setup.facades) f.close();
      for (const setup of setups) for (const s of setup.stores) await s.close().catch(() => undefined);
      await as.close();
    }
  },
};
