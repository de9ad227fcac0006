/**
 * Scenario 8: the cost of telemetry. Example 1 with auth as its own process, with an OpenTelemetry SDK
 * registered in the process (bench/src/servers/example-otel.ts: in-memory span and metric exporters, then the
 * unchanged examples/mcp-server/dist/main.js) vs the same example without an SDK (main.js as `npm start`
 * runs it, where @opentelemetry/api is a no-op).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startDevAuthorizationServer, type DevAuthorizationServer } from '@mcpgate/example-dev-authorization-server';
import { HTTP, PROCESS_ROUNDS } from '../lib/config.js';
import { LoadGenerator } from '../lib/load.js';
import { compareProcesses, cpuPerRequest, procRow, profiledRequestsNote, ratioTable, serverTable, skippedReason, targetChecks, type Pair, type ProcRow } from '../lib/process-compare.js';
import { freePort, repoPath, startServerProcess } from '../lib/procs.js';
import type { Scenario } from '../lib/report.js';
import { tokenFor, whoamiTarget, whoamiText } from '../lib/stack.js';
import { fmt, fmtInt, median, sleep } from '../lib/stats.js';

const { rounds: ROUNDS, seconds: SECONDS } = PROCESS_ROUNDS;
const HOST = '127.0.0.1';
const TARGET = 0.95;
const METRIC_INTERVAL_MS = 5_000;

interface OtelStats {
  spans: Record<string, number>;
  metricExports: number;
  metricNames: string[];
}

/** Asks the telemetry process for its counts (SIGUSR2 → one `otel-stats {…}` line). */
async function otelStats(row: ProcRow): Promise<OtelStats | undefined> {
  const pid = row.proc?.pid;
  if (pid === undefined) return undefined;
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 20; i++) {
    await sleep(50);
    const line = row.proc!.output().split('\n').reverse().find((l) => l.startsWith('otel-stats '));
    if (line !== undefined) return JSON.parse(line.slice('otel-stats '.length)) as OtelStats;
  }
  return undefined;
}

export const operations: Scenario = {
  id: 'operations',
  title: '8. Operations: telemetry on (an OpenTelemetry SDK in the process) vs off, example 1 with auth (own process each)',
  async run() {
    const main = repoPath('examples/mcp-server/dist/main.js');
    const on = procRow('example 1 + mcpgate, OpenTelemetry SDK registered (in-memory exporters)');
    const sdkOnly = procRow('example 1 + mcpgate, OpenTelemetry SDK registered, mcpgate’s scope a no-op');
    const off = procRow('example 1 + mcpgate, no OpenTelemetry SDK (npm start)');
    const rows = [on, sdkOnly, off];
    const otelServer = fileURLToPath(new URL('../servers/example-otel.js', import.meta.url));
    const scripts = new Map<ProcRow, string>([
      [on, otelServer],
      [sdkOnly, otelServer],
      [off, main],
    ]);
    const names = new Map<ProcRow, string>([
      [on, 'otel-on'],
      [sdkOnly, 'otel-sdk-only'],
      [off, 'otel-off'],
    ]);
    const ports = new Map<ProcRow, number>();
    for (const r of rows) ports.set(r, await freePort());
    const urlOf = (r: ProcRow) => `http://${HOST}:${ports.get(r)}/mcp`;
    const as: DevAuthorizationServer = await startDevAuthorizationServer({ resource: urlOf(on), extraResources: [urlOf(sdkOnly), urlOf(off)] });
    const load = new LoadGenerator();
    const cpuProfDir = process.env['BENCH_CPU_PROF'];
    let before: OtelStats | undefined;
    let after: OtelStats | undefined;
    try {
      for (const r of rows) {
        if (!existsSync(main)) {
          r.skipped = 'not built (examples/mcp-server/dist/main.js does not exist)';
          continue;
        }
        const env = {
          PORT: String(ports.get(r)),
          HOST,
          MCP_AUTH_ISSUER: as.issuer,
          MCP_AUTH_STORE: 'memory',
          MCP_UPSTREAM_CLIENT_ID: as.deviceClient.clientId,
          ...(r !== off ? { BENCH_OTEL_METRIC_INTERVAL_MS: String(METRIC_INTERVAL_MS) } : {}),
          ...(r === sdkOnly ? { BENCH_OTEL_MCPGATE: 'off' } : {}),
        };
        try {
          r.proc = await startServerProcess({ name: names.get(r)!, script: scripts.get(r)!, env, url: urlOf(r), cpuProfDir });
          r.target = await whoamiTarget(r.label, urlOf(r), await tokenFor(as, urlOf(r), 'alice'));
          r.answer = await whoamiText(r.target);
        } catch (error) {
          r.skipped = skippedReason(error);
          await r.proc?.close();
          delete r.proc;
        }
      }
      before = await otelStats(on);
      await compareProcesses(load, rows, { ...HTTP, rounds: ROUNDS, seconds: SECONDS });
      after = await otelStats(on);
    } finally {
      load.close();
      for (const r of rows) await r.proc?.close();
      await as.close();
    }

    const pairs: Pair[] = [
      { a: on, b: off, what: 'telemetry on / telemetry off', target: TARGET, targetLabel: 'example 1 with auth: OpenTelemetry SDK on vs off (req/s, own processes)' },
      { a: sdkOnly, b: off, what: 'SDK registered, mcpgate’s scope a no-op / telemetry off (the SDK’s and Node’s share)' },
      { a: on, b: sdkOnly, what: 'telemetry on / SDK registered, mcpgate’s scope a no-op (mcpgate’s own spans and metrics)' },
    ];
    const notes: string[] = [
      'Telemetry on: bench/src/servers/example-otel.ts registers an OpenTelemetry SDK before anything else, as an application does: `AsyncLocalStorageContextManager`, `TracerProvider` (@opentelemetry/sdk-trace 3.x) with `SimpleSpanProcessor({ exporter: InMemorySpanExporter })`, `MeterProvider` (sdk-metrics 3.x) with a `PeriodicExportingMetricReader` on an `InMemoryMetricExporter` (cumulative, every ' +
        `${METRIC_INTERVAL_MS / 1000} s); then it imports the unchanged examples/mcp-server/dist/main.js, which builds the same app (createMcpAuth, requireMcpAuth, the SDK transport) and reports through @opentelemetry/api into that SDK. The exporters are counted and emptied every second, so memory stays bounded. Telemetry off: main.js itself (no OTEL_* variables: no SDK is loaded, the API is a no-op).`,
      'SDK registered, mcpgate’s scope a no-op: the same script with BENCH_OTEL_MCPGATE=off, whose providers hand the `mcpgate` scope a no-op tracer and meter. All three telemetry processes make the context manager active once at start, as an HTTP server instrumentation does on its first request: from then on Node 20 runs its promise hooks for every promise in the process, whether or not mcpgate records anything. So “SDK registered / off” is what a traced application pays before mcpgate, and “on / SDK registered” is mcpgate’s own share.',
      'What is not in “on”: `@opentelemetry/instrumentation-http` (the example’s own OTLP set-up adds an HTTP server span per request, the parent of `mcpgate.authenticate`), and any exporter doing I/O.',
      `Both: example 1 with auth as in scenario 6 (JWT, memory store, one session, \`tools/call whoami\` with a bearer token); ${HTTP.connections} connections, ${HTTP.warmupSeconds} s warm-up per server, then ${ROUNDS} alternating rounds of ${SECONDS} s; median of per-round ratios; server CPU µs/request from /proc.`,
    ];
    if (before !== undefined && after !== undefined && on.summary !== undefined) {
      const names = Object.keys(after.spans).sort();
      const delta = names.map((n) => `${n} ${fmtInt((after!.spans[n] ?? 0) - (before!.spans[n] ?? 0))}`).join(', ');
      notes.push(
        `Telemetry was on under load: spans exported during the warm-up and the rounds: ${delta || 'none'}, for ${fmtInt(on.summary.warmupRequests + on.summary.requests)} requests answered (one \`mcpgate.authenticate\` span per request); metric exports: ${after.metricExports - before.metricExports}; metrics seen: ${after.metricNames.join(', ') || 'none'}.`,
      );
    } else notes.push('The telemetry process did not report its span counts (SIGUSR2).');
    if (on.summary !== undefined && off.summary !== undefined) {
      notes.push(`Telemetry costs the server ${fmt(median(on.cpuPerRequestUs) - median(off.cpuPerRequestUs), 0)} µs of CPU per request (${fmt(median(on.cpuPerRequestUs), 0)} vs ${fmt(median(off.cpuPerRequestUs), 0)} µs/request, medians of rounds).`);
    }
    notes.push(
      'Where the telemetry time goes (at the time of writing, not re-measured by this run: `--cpu-prof` of the processes under this load, per-request self-time differences): Node 20’s promise hooks, on once the AsyncLocalStorage context manager first runs (`promiseInitHook`, `lookupPublicResource`, `_propagate`, before/after hooks) and the context manager’s `with`, ≈ 50–100 µs/request in profiled time; the span itself (ids, `SpanImpl`, attribute validation, `SimpleSpanProcessor` exporting every span as it ends) ≈ 30 profiled; sdk-metrics hashing the attribute set of each record (`hashAttributes`, `_record`) ≈ 10; mcpgate’s own telemetry code a few µs (`finishSpan`’s eight `setAttribute` calls, `message()`, which built its answer with three conditional object spreads, ≈ 5 µs, before it set plain properties). Profiled µs are ≈ 1.6× the unprofiled CPU figures above.',
    );
    if (cpuProfDir !== undefined) notes.push(profiledRequestsNote(rows, cpuProfDir));
    for (const r of rows) notes.push(r.proc !== undefined || r.summary !== undefined ? `${r.label}: \`${r.proc?.command ?? '?'}\` — whoami answers \`${r.answer ?? '?'}\`` : `${r.label}: skipped: ${r.skipped ?? 'not measured'}`);
    const [cOn, cSdk, cOff] = [cpuPerRequest(on), cpuPerRequest(sdkOnly), cpuPerRequest(off)];
    const summary = Number.isFinite(cOn) && Number.isFinite(cOff)
      ? [
          `Scenario 8: an OpenTelemetry SDK in the process (in-memory exporters) with mcpgate reporting into it adds ${fmt(cOn - cOff, 0)} µs of server CPU per request (${fmt(cOn, 0)} vs ${fmt(cOff, 0)}); 0.95× would allow ≈ ${fmt(cOff * (1 / 0.95 - 1), 0)} µs.` +
            (Number.isFinite(cSdk)
              ? ` Of that, the SDK with its context manager active and mcpgate’s scope a no-op costs ${fmt(cSdk - cOff, 0)} µs (Node 20’s promise hooks for every promise, the SDK’s own work), and mcpgate’s spans and metrics the other ${fmt(cOn - cSdk, 0)} µs.`
              : ''),
        ]
      : [];
    return {
      summary,
      measures: `Requests/s of \`tools/call whoami\` against example 1 with auth as its own process, with an OpenTelemetry SDK (in-memory exporters) registered in the process, the same with mcpgate’s instrumentation scope a no-op, and without an SDK; ${HTTP.connections} connections, ${ROUNDS} alternating rounds of ${SECONDS} s; median of per-round ratios.`,
      tables: [
        { caption: 'example 1 with auth: req/s of tools/call whoami', table: serverTable(rows) },
        { caption: 'ratio of req/s, per round', table: ratioTable(pairs) },
      ],
      notes,
      targets: targetChecks(pairs),
    };
  },
};
