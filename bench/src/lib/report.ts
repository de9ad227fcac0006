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
}

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  /** One line: what the numbers measure. */
  readonly measures: string;
  readonly tables: ReadonlyArray<{ readonly caption?: string; readonly table: Table }>;
  readonly notes: readonly string[];
  readonly targets: readonly TargetCheck[];
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
