/** The shape every scenario returns, rendered both to the console and to BENCHMARKS.md. */

export interface Table {
  readonly headers: readonly string[];
  readonly rows: ReadonlyArray<readonly string[]>;
}

export interface TargetCheck {
  /** e.g. "JWT + memory store vs no auth, req/s ratio". */
  readonly what: string;
  /** e.g. "≥ 0.95×". */
  readonly target: string;
  /** e.g. "0.97×". */
  readonly measured: string;
  /** undefined: not applicable / skipped. */
  readonly met: boolean | undefined;
  /** Ratio targets measured in rounds: the threshold, the min–max of the per-round ratios, and the same ratio from CPU time per request. */
  readonly ratio?: { readonly threshold: number; readonly median: number; readonly min: number; readonly max: number; readonly cpu: number };
}

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  /** One line: what the numbers measure. */
  readonly measures: string;
  readonly tables: ReadonlyArray<{ readonly caption?: string; readonly table: Table }>;
  readonly notes: readonly string[];
  readonly targets: readonly TargetCheck[];
  /** One or two sentences for the summary at the top of BENCHMARKS.md (computed from this run). */
  readonly summary?: readonly string[];
  readonly seconds: number;
}

export interface Scenario {
  readonly id: string;
  readonly title: string;
  run(): Promise<Omit<ScenarioResult, 'id' | 'title' | 'seconds'>>;
}

export function markdownTable(table: Table): string {
  const esc = (cell: string) => cell.replace(/\|/g, '\\|');
  const lines = [
    `| ${table.headers.map(esc).join(' | ')} |`,
    `|${table.headers.map((_, i) => (i > 0 && table.rows.every((r) => /^[\d,.\s\/×≥≤µs-]*$/.test(r[i] ?? '')) ? '---:' : '---')).join('|')}|`,
    ...table.rows.map((row) => `| ${row.map(esc).join(' | ')} |`),
  ];
  return lines.join('\n');
}

export function textTable(table: Table): string {
  const widths = table.headers.map((h, i) => Math.max(h.length, ...table.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(table.headers), widths.map((w) => '-'.repeat(w)).join('  '), ...table.rows.map(line)].join('\n');
}

export const verdict = (met: boolean | undefined): string => (met === undefined ? 'n/a' : met ? 'met' : 'NOT met');
