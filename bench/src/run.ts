/**
 * `npm run bench [-- filter…]`: runs the mcpgate benchmarks, prints a table per scenario and, on a full
 * run, writes BENCHMARKS.md at the repository root. Filters match the start of scenario ids (jwt,
 * decision, introspection, stores, upstream, examples, dpop, operations): `npm run bench -- examples` runs only
 * scenario 6. `--no-write` skips BENCHMARKS.md; `--write` forces it.
 */
import { writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import { markdownTable, textTable, verdict, type Scenario, type ScenarioResult } from './lib/report.js';
import { authDecision } from './scenarios/auth-decision.js';
import { dpopHttp } from './scenarios/dpop-http.js';
import { examples } from './scenarios/examples.js';
import { httpJwt } from './scenarios/http-jwt.js';
import { introspection } from './scenarios/introspection.js';
import { operations } from './scenarios/operations.js';
import { stores } from './scenarios/stores.js';
import { upstreamRefresh } from './scenarios/upstream-refresh.js';

const ALL: readonly Scenario[] = [httpJwt, authDecision, introspection, stores, upstreamRefresh, examples, dpopHttp, operations];
/** Every scenario is bounded; this is the backstop for the whole run. */
const HARD_LIMIT_MS = 15 * 60_000;

function parseArgs(argv: readonly string[]) {
  const flags = new Set(argv.filter((a) => a.startsWith('--')));
  const filters = argv.filter((a) => !a.startsWith('--')).map((a) => a.toLowerCase());
  if (flags.has('--help')) {
    console.log(`usage: npm run bench [-- [--no-write|--write] [filter …]]\nscenarios: ${ALL.map((s) => s.id).join(', ')}`);
    process.exit(0);
  }
  const selected = filters.length === 0 ? ALL : ALL.filter((s) => filters.some((f) => s.id.startsWith(f)));
  if (selected.length === 0) {
    console.error(`no scenario matches ${filters.join(' ')}; scenarios: ${ALL.map((s) => s.id).join(', ')}`);
    process.exit(2);
  }
  const write = flags.has('--write') || (!flags.has('--no-write') && selected.length === ALL.length);
  return { selected, write, command: `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}` };
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}

function printResult(result: ScenarioResult): void {
  console.log(`\n=== ${result.title} (${result.seconds.toFixed(0)} s)`);
  console.log(result.measures);
  for (const { caption, table } of result.tables) {
    if (caption !== undefined) console.log(`\n${caption}:`);
    console.log(textTable(table));
  }
  for (const note of result.notes) console.log(`- ${note}`);
  for (const line of result.summary ?? []) console.log(`>> ${line}`);
  for (const t of result.targets) console.log(`>> target ${t.what}: ${t.target}, measured ${t.measured} → ${verdict(t.met)}`);
}

/** "Reading the results": what is met and not, how far the rounds spread, and each scenario's own summary. */
function summary(results: readonly ScenarioResult[]): string[] {
  const all = results.flatMap((r) => r.targets);
  const judged = all.filter((t) => t.met !== undefined);
  const out = ['## Reading the results', ''];
  out.push(
    `${judged.filter((t) => t.met === true).length} of ${judged.length} targets met in this run${all.length > judged.length ? ` (${all.length - judged.length} not measured)` : ''}. ` +
      'Ratios from separate processes (scenarios 6–8) are medians of per-round ratios, with a CPU-per-request cross-check; scenarios 1 and 4 run every app in the bench process (one event loop), give the ratio of median req/s, and have no CPU figure per app. The spread is the lowest and highest per-round ratio. Where a verdict and the CPU-per-request ratio disagree, or the spread straddles the threshold, treat the verdict as uncertain: other load on this shared 2-core machine, and the load generator sharing its cores, move req/s more than they move CPU per request.',
    '',
  );
  for (const t of all) {
    const r = t.ratio;
    if (r === undefined || t.met === undefined) continue;
    const straddles = r.min < r.threshold && r.max >= r.threshold;
    const cpuSide = Number.isFinite(r.cpu) ? (r.cpu >= r.threshold ? 'meets' : 'misses') : undefined;
    const reading = straddles
      ? `the rounds spread across the threshold (${r.min.toFixed(3)}×–${r.max.toFixed(3)}×)`
      : t.met
        ? `every round at or above ${r.threshold.toFixed(2)}× (lowest ${r.min.toFixed(3)}×)`
        : `every round below ${r.threshold.toFixed(2)}× (highest ${r.max.toFixed(3)}×)`;
    out.push(`- ${t.what}: ${t.met ? 'met' : 'NOT met'}, ${r.median.toFixed(3)}×; ${reading}${cpuSide !== undefined ? `; the CPU-per-request ratio (${r.cpu.toFixed(3)}×) ${cpuSide} it` : ''}.`);
  }
  for (const result of results) for (const line of result.summary ?? []) out.push(`- ${line}`);
  return out;
}

function markdown(results: readonly ScenarioResult[], m: ReturnType<typeof machine>, command: string, totalSeconds: number): string {
  const out: string[] = [];
  out.push('# mcpgate benchmarks', '');
  out.push('Generated by `bench/src/run.ts`; numbers from one full run on the machine below. Re-run with the command shown.', '');
  out.push(`- Machine: ${m.cpu}, ${m.cores} cores (${m.platform})`);
  out.push(`- Node: ${m.node}`);
  out.push(`- Date: ${m.date}`);
  out.push(`- Command: \`${command}\` (bench run time ${totalSeconds.toFixed(0)} s, after the build)`);
  out.push(
    '- Method: everything on loopback. Scenarios 1–5: the dev authorization server and the apps under test in the bench process; scenarios 6–8: every server in its own Node process, started as users start it. Load from autocannon in a child process. ' +
      'Compared variants run side by side in one run, in interleaved rounds (A B, B A, A B, …); the figures are medians of rounds. ' +
      'The machine is small and shared, so absolute numbers are noisy; the ratios are what the targets are about.',
    '',
  );
  out.push('## Targets', '');
  out.push(
    markdownTable({
      headers: ['scenario', 'what', 'target', 'measured', 'verdict'],
      rows: results.flatMap((r) => r.targets.map((t) => [r.title.split(' ')[0]!.replace('.', ''), t.what, t.target, t.measured, verdict(t.met)])),
    }),
    '',
  );
  out.push(...summary(results), '');
  for (const result of results) {
    out.push(`## ${result.title}`, '');
    out.push(`What it measures: ${result.measures}`, '');
    for (const { caption, table } of result.tables) {
      if (caption !== undefined) out.push(`${caption}:`, '');
      out.push(markdownTable(table), '');
    }
    for (const note of result.notes) out.push(`- ${note}`);
    if (result.notes.length > 0) out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

async function main(): Promise<void> {
  const { selected, write, command } = parseArgs(process.argv.slice(2));
  const hardLimit = setTimeout(() => {
    console.error(`bench: exceeded ${HARD_LIMIT_MS / 60_000} minutes, aborting`);
    process.exit(3);
  }, HARD_LIMIT_MS);
  hardLimit.unref();
  const m = machine();
  console.log(`mcpgate bench — ${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.date}`);
  const started = performance.now();
  const results: ScenarioResult[] = [];
  let failed = false;
  for (const scenario of selected) {
    console.log(`\n… ${scenario.title}`);
    const t0 = performance.now();
    try {
      const result = { id: scenario.id, title: scenario.title, ...(await scenario.run()), seconds: (performance.now() - t0) / 1000 };
      results.push(result);
      printResult(result);
    } catch (error) {
      failed = true;
      console.error(`!!! scenario ${scenario.id} FAILED:`, error);
    }
  }
  const total = (performance.now() - started) / 1000;
  console.log(`\nbench finished in ${total.toFixed(0)} s`);
  console.log('\nTargets:');
  for (const r of results) for (const t of r.targets) console.log(`  ${verdict(t.met).padEnd(7)} ${t.what}: ${t.target}, measured ${t.measured}`);
  if (write && !failed) {
    const path = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));
    writeFileSync(path, markdown(results, m, command, total));
    console.log(`\nwrote ${path}`);
  } else {
    console.log(`\nBENCHMARKS.md not updated (${failed ? 'a scenario failed' : 'partial run; pass --write to force'})`);
  }
  // a failed scenario may leave a socket or a timer behind: do not wait for it (the hard limit would, 15 minutes)
  process.exit(failed ? 1 : 0);
}

await main();
