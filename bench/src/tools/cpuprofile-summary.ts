/**
 * `node bench/dist/tools/cpuprofile-summary.js <file.cpuprofile> [--top N] [--requests N] [--focus REGEX …]`
 *
 * Summarises a V8 CPU profile (`node --cpu-prof`, e.g. from `BENCH_CPU_PROF=/tmp/prof npm run bench --
 * examples`): self time by package / area, the top functions by self time, and, for each --focus regex
 * (matched against "function url"), the share of busy samples whose stack contains a matching frame
 * (inclusive time). Percentages are of busy time (everything but `(idle)`). With `--requests N` (the requests
 * the process answered while profiled), every line also shows µs of CPU per request.
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function areaOf(frame: CallFrame): string {
  const url = frame.url;
  if (url === '') return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 14).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const pkg = /\/packages\/([^/]+)\//.exec(url);
  if (pkg !== null) return `@mcpgate/${pkg[1]}`;
  const ex = /\/examples\/([^/]+)\//.exec(url);
  if (ex !== null) return `examples/${ex[1]}`;
  if (url.includes('/bench/')) return 'bench';
  if (url.startsWith('node:')) {
    const rest = url.slice(5).replace(/^internal\//, '');
    return `node:${rest.split('/')[0]!.replace(/\.js$/, '')}`;
  }
  return url;
}

function main(argv: string[]): void {
  const file = argv.find((a, i) => !a.startsWith('--') && !/^\d+$/.test(a) && argv[i - 1] !== '--focus');
  if (file === undefined) {
    console.error('usage: cpuprofile-summary <file.cpuprofile> [--top N] [--focus REGEX …]');
    process.exit(2);
  }
  const topIndex = argv.indexOf('--top');
  const top = topIndex >= 0 ? Number(argv[topIndex + 1]) : 30;
  const requestsIndex = argv.indexOf('--requests');
  const requests = requestsIndex >= 0 ? Number(argv[requestsIndex + 1]) : undefined;
  const focus: RegExp[] = [];
  argv.forEach((a, i) => {
    if (a === '--focus' && argv[i + 1] !== undefined) focus.push(new RegExp(argv[i + 1]!));
  });
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, profile.timeDeltas[i] ?? 0)));
  let total = 0;
  let idle = 0;
  const area = new Map<string, number>();
  const fn = new Map<string, number>();
  const focusUs = focus.map(() => 0);
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    total += us;
    if (node.callFrame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const a = areaOf(node.callFrame);
    area.set(a, (area.get(a) ?? 0) + us);
    const where = node.callFrame.url === '' ? '' : ` ${node.callFrame.url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*\/(packages|examples|bench)\//, '$1/')}:${node.callFrame.lineNumber + 1}`;
    const key = `${node.callFrame.functionName || '(anonymous)'}${where}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    if (focus.length > 0) {
      const hit = focus.map(() => false);
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const f = byId.get(cur)!.callFrame;
        const text = `${f.functionName} ${f.url}`;
        focus.forEach((re, i) => {
          if (!hit[i] && re.test(text)) hit[i] = true;
        });
      }
      hit.forEach((h, i) => {
        if (h) focusUs[i]! += us;
      });
    }
  }
  const busy = total - idle;
  const perRequest = (us: number) => (requests !== undefined && requests > 0 ? `${(us / requests).toFixed(1).padStart(7)} µs/req  ` : '');
  const pct = (us: number) => `${perRequest(us)}${((us / busy) * 100).toFixed(1).padStart(5)}%`;
  console.log(`${file}\nwall ${(total / 1e6).toFixed(1)} s sampled, busy ${(busy / 1e6).toFixed(1)} s (${((busy / total) * 100).toFixed(0)}%)${requests !== undefined ? `, ${(busy / requests).toFixed(0)} µs busy per request (${requests} requests)` : ''}\n`);
  console.log('self time by area (% of busy):');
  for (const [a, us] of [...area].sort((x, y) => y[1] - x[1]).slice(0, 60)) console.log(`  ${pct(us)}  ${a}`);
  console.log(`\ntop ${top} functions by self time (% of busy):`);
  for (const [k, us] of [...fn].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`  ${pct(us)}  ${k}`);
  if (focus.length > 0) {
    console.log('\ninclusive (% of busy samples with a matching frame on the stack):');
    focus.forEach((re, i) => console.log(`  ${pct(focusUs[i]!)}  ${re.source}`));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
