/**
 * Servers in their own processes, loaded one at a time in alternating rounds: per-round req/s, each server's
 * CPU time per request from /proc, per-round ratios of pairs and the tables that show them (scenarios 6–8).
 */
import type { HttpTarget, LoadGenerator, TargetSummary } from './load.js';
import type { ServerProcess } from './procs.js';
import type { Table, TargetCheck } from './report.js';
import { fmt, fmtInt, fmtRatio, median } from './stats.js';

export interface ProcRow {
  readonly label: string;
  /** Why the row is not measured (not built, failed to start, wrong answer). */
  skipped?: string;
  proc?: ServerProcess;
  target?: HttpTarget;
  summary?: TargetSummary;
  /** Server CPU µs per answered request, per measured round. */
  readonly cpuPerRequestUs: number[];
  /** What the server answered to one checked request (for the notes). */
  answer?: string;
}

export const procRow = (label: string): ProcRow => ({ label, cpuPerRequestUs: [] });

/** Warm-up, then `rounds` alternating rounds over every row with a target; fills `summary` and `cpuPerRequestUs`. */
export async function compareProcesses(
  load: LoadGenerator,
  rows: readonly ProcRow[],
  options: { rounds: number; seconds: number; warmupSeconds: number; connections: number },
): Promise<void> {
  const measured = rows.filter((r) => r.target !== undefined);
  if (measured.length === 0) return;
  const byName = new Map(measured.map((r) => [r.target!.name, r]));
  const cpuAtStart = new Map<string, number | undefined>();
  const summaries = await load.compare(
    measured.map((r) => r.target!),
    {
      rounds: options.rounds,
      durationSeconds: options.seconds,
      warmupSeconds: options.warmupSeconds,
      connections: options.connections,
      onRoundStart: (t) => cpuAtStart.set(t.name, byName.get(t.name)!.proc?.cpuMicros()),
      onRound: (t, round) => {
        const r = byName.get(t.name)!;
        const before = cpuAtStart.get(t.name);
        const after = r.proc?.cpuMicros();
        if (before !== undefined && after !== undefined && round.requests > 0) r.cpuPerRequestUs.push((after - before) / round.requests);
      },
    },
  );
  for (const s of summaries) byName.get(s.name)!.summary = s;
}

export interface RatioStats {
  readonly perRound: number[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly ofMedians: number;
  /** Median over rounds of (b's CPU µs/request ÷ a's): the req/s ratio if both were CPU-bound. */
  readonly cpu: number;
}

export function ratioStats(a: ProcRow, b: ProcRow): RatioStats | undefined {
  if (a.summary === undefined || b.summary === undefined) return undefined;
  const perRound = a.summary.rounds.map((r, i) => r.rps / b.summary!.rounds[i]!.rps);
  const cpuRounds = a.cpuPerRequestUs.length === b.cpuPerRequestUs.length ? a.cpuPerRequestUs.map((x, i) => b.cpuPerRequestUs[i]! / x) : [];
  return {
    perRound,
    median: median(perRound),
    min: Math.min(...perRound),
    max: Math.max(...perRound),
    ofMedians: a.summary.rps / b.summary.rps,
    cpu: median(cpuRounds),
  };
}

/** Median server CPU µs per request of a row (NaN when not measured). */
export const cpuPerRequest = (r: ProcRow): number => (r.cpuPerRequestUs.length > 0 ? median(r.cpuPerRequestUs) : NaN);

/** One row per server: req/s (median, per round, spread), latency, CPU µs/request, bad answers. */
export function serverTable(rows: readonly ProcRow[], first = 'server (own process)'): Table {
  return {
    headers: [first, 'req/s (median)', 'req/s per round', 'spread (min–max)', 'p50 ms', 'p99 ms', 'server CPU µs/request (median)', 'non-2xx/errors'],
    rows: rows.map((r) => {
      const s = r.summary;
      if (s === undefined) return [r.label, `skipped: ${r.skipped ?? 'not measured'}`, '', '', '', '', '', ''];
      const rps = s.rounds.map((x) => x.rps);
      return [
        r.label,
        fmtInt(s.rps),
        rps.map(fmtInt).join(' / '),
        `${fmtInt(Math.min(...rps))}–${fmtInt(Math.max(...rps))}`,
        fmt(s.p50Ms, 0),
        fmt(s.p99Ms, 0),
        r.cpuPerRequestUs.length > 0 ? fmt(median(r.cpuPerRequestUs), 0) : 'n/a',
        String(s.bad),
      ];
    }),
  };
}

export interface Pair {
  readonly a: ProcRow;
  readonly b: ProcRow;
  /** e.g. "example 1 with auth / example 1 without auth". */
  readonly what: string;
  /** Minimum median per-round ratio, when the pair is a target. */
  readonly target?: number;
  /** The line in the targets table (default: `what`). */
  readonly targetLabel?: string;
}

const met = (p: Pair, r: RatioStats): boolean => r.median >= p.target! && p.a.summary!.bad === 0 && p.b.summary!.bad === 0;

export function ratioTable(pairs: readonly Pair[]): Table {
  return {
    headers: ['ratio', 'median of per-round ratios', 'spread (min–max)', 'per-round ratios', 'ratio of medians', 'same ratio from server CPU/request', 'target', 'verdict'],
    rows: pairs.map((p) => {
      const r = ratioStats(p.a, p.b);
      const t = p.target === undefined ? '' : `≥ ${p.target.toFixed(2)}×`;
      if (r === undefined) {
        const why = [p.a, p.b].find((x) => x.summary === undefined)?.skipped ?? 'not measured';
        return [p.what, `skipped: ${why}`, '', '', '', '', t, p.target === undefined ? '' : 'n/a'];
      }
      const verdict = p.target === undefined ? '' : met(p, r) ? 'met' : 'NOT met';
      return [p.what, fmtRatio(r.median), `${fmtRatio(r.min)}–${fmtRatio(r.max)}`, r.perRound.map(fmtRatio).join(' / '), fmtRatio(r.ofMedians), fmtRatio(r.cpu), t, verdict];
    }),
  };
}

export function targetChecks(pairs: readonly Pair[]): TargetCheck[] {
  return pairs
    .filter((p) => p.target !== undefined)
    .map((p) => {
      const r = ratioStats(p.a, p.b);
      const target = `≥ ${p.target!.toFixed(2)}×`;
      const what = p.targetLabel ?? p.what;
      if (r === undefined) {
        const why = [p.a, p.b].find((x) => x.summary === undefined)?.skipped;
        return { what, target, measured: `skipped: ${why ?? 'not measured'}`, met: undefined };
      }
      return {
        what,
        target,
        measured: `${fmtRatio(r.median)} (${fmtRatio(r.min)}–${fmtRatio(r.max)}; CPU ${fmtRatio(r.cpu)})`,
        met: met(p, r),
        ratio: { threshold: p.target!, median: r.median, min: r.min, max: r.max, cpu: r.cpu },
      };
    });
}

/**
 * For a profiled run (`BENCH_CPU_PROF`): the requests each server answered under load, warm-up included, to
 * pass as `--requests` to bench/dist/tools/cpuprofile-summary.js (set-up requests, a handful, are not counted).
 */
export function profiledRequestsNote(rows: readonly ProcRow[], dir: string): string {
  const counts = rows
    .filter((r) => r.summary !== undefined && r.proc !== undefined)
    .map((r) => `${r.proc!.name} ${r.summary!.warmupRequests + r.summary!.requests}`)
    .join(', ');
  return `Profiled run: every server ran with \`--cpu-prof\` (profiles in ${dir}/<name>/), so its numbers are slower than usual. Requests answered under load, warm-up included (\`--requests\` for bench/dist/tools/cpuprofile-summary.js): ${counts}.`;
}

/** "skipped: …" text of a process that refused to start, or `failed: <message>`. */
export const skippedReason = (error: unknown): string => {
  const message = error instanceof Error ? error.message : String(error);
  const own = /skipped: ([^|]+)/.exec(message);
  return own !== null ? own[1]!.trim() : `failed: ${message.slice(0, 300)}`;
};
