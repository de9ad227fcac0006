/**
 * The "examples that compile" issue. Every TypeScript block of the repository's Markdown is an exact
 * excerpt of a type-checked file (a region of `examples/snippets/*.ts`, compiled here), so a README
 * cannot show code that does not compile or that drifted from the compiled copy. And every relative link
 * of the Markdown points to a file of the repository (and to an existing heading, for `file.md#anchor`).
 * External links are not fetched.
 */
import { dirname, join, relative, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import {
  blockProblem,
  checkLink,
  extractRegion,
  markdownFiles,
  parseMarkdown,
  readRepoFile,
  regionNames,
  repositoryFiles,
  ROOT,
  TS_LANGS,
  type MarkdownDoc,
} from './helpers/docs.js';

const SNIPPETS_TSCONFIG = 'examples/snippets/tsconfig.json';

const files = repositoryFiles();
const docs: ReadonlyMap<string, MarkdownDoc> = new Map(markdownFiles(files).map((path) => [path, parseMarkdown(path, readRepoFile(path))]));
const blocks = [...docs.values()].flatMap((doc) =>
  doc.fences.filter((fence) => TS_LANGS.has(fence.lang)).map((fence) => ({ where: `${doc.path}:${fence.line}`, doc, fence })),
);

/** The snippets program, as `tsc -p examples/snippets/tsconfig.json` builds it. */
function snippetsProgram(): { program: ts.Program; configErrors: readonly ts.Diagnostic[] } {
  const configPath = join(ROOT, SNIPPETS_TSCONFIG);
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  if (read.error !== undefined) return { program: ts.createProgram([], {}), configErrors: [read.error] };
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(configPath), undefined, configPath);
  return { program: ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options }), configErrors: parsed.errors };
}

const repoPath = (absolute: string): string => relative(ROOT, absolute).split(sep).join('/');
const snippets = snippetsProgram();
const compiled: ReadonlySet<string> = new Set(snippets.program.getRootFileNames().map(repoPath));

describe('TypeScript blocks in Markdown are compiled excerpts', () => {
  it('finds the Markdown files and their TypeScript blocks', () => {
    expect([...docs.keys()]).toEqual(expect.arrayContaining(['README.md', 'packages/core/README.md', 'packages/express-adapter/README.md']));
    // the READMEs hold 13 TypeScript blocks today: a parser that found none would pass vacuously
    expect(blocks.length).toBeGreaterThanOrEqual(13);
    expect(compiled.size).toBeGreaterThanOrEqual(13);
  });

  it.each(blocks.map((block) => [block.where, block] as const))('%s', (_where, { fence }) => {
    expect(blockProblem(fence, compiled)).toBeUndefined();
  });

  it('every region of examples/snippets is quoted by a Markdown block (no stale copies)', () => {
    const quoted = new Set(blocks.flatMap(({ fence }) => (fence.snippet ? [`${fence.snippet.file}#${fence.snippet.region}`] : [])));
    const regions = [...compiled].flatMap((file) => regionNames(readRepoFile(file)).map((region) => `${file}#${region}`));
    expect(regions.filter((region) => !quoted.has(region))).toEqual([]);
  });

  it(`${SNIPPETS_TSCONFIG} type-checks against the built packages`, () => {
    const { program, configErrors } = snippets;
    const host: ts.FormatDiagnosticsHost = {
      getCanonicalFileName: (name) => name,
      getCurrentDirectory: () => ROOT,
      getNewLine: () => '\n',
    };
    const diagnostics = [...configErrors, ...ts.getPreEmitDiagnostics(program)];
    expect(ts.formatDiagnostics(diagnostics, host)).toBe('');
  }, 120_000);

  it('a README block altered by one character is reported (the check is not vacuous)', () => {
    const readme = readRepoFile('packages/express-adapter/README.md');
    const doc = parseMarkdown('packages/express-adapter/README.md', readme);
    const fence = doc.fences.find((candidate) => TS_LANGS.has(candidate.lang));
    expect(fence?.snippet).toBeDefined();
    expect(blockProblem(fence!, compiled)).toBeUndefined();
    const altered = parseMarkdown('altered.md', readme.replace("'who am I'", "'who am i'"));
    expect(blockProblem(altered.fences.find((candidate) => TS_LANGS.has(candidate.lang))!, compiled)).toMatch(/differs from .*express-adapter\.ts#express-adapter/);
    const unmarked = parseMarkdown('unmarked.md', readme.replace(/<!-- snippet:[^\n]*-->\n/, ''));
    expect(blockProblem(unmarked.fences.find((candidate) => TS_LANGS.has(candidate.lang))!, compiled)).toMatch(/no snippet marker/);
  });

  it('regions are read between their markers, dedented', () => {
    const source = ['// #region a', 'const a = 1;', '// #endregion a', 'function f() {', '  // #region b', '  if (x) {', '    y();', '  }', '  // #endregion', '}'].join('\n');
    expect(extractRegion(source, 'a')).toBe('const a = 1;');
    expect(extractRegion(source, 'b')).toBe('if (x) {\n  y();\n}');
    expect(() => extractRegion(source, 'c')).toThrow(/exactly one/);
  });
});

describe('relative links in Markdown point into the repository', () => {
  it.each([...docs.keys()])('%s', (path) => {
    const doc = docs.get(path)!;
    const problems = doc.links.flatMap((link) => checkLink(doc, link, { files, docs }) ?? []);
    expect(problems).toEqual([]);
  });

  it('reports missing files, paths leaving the repository and unknown anchors; ignores code and external links', () => {
    const doc = parseMarkdown(
      'packages/core/README.md',
      [
        '# Title',
        '## `createMcpAuth(options)` and more',
        '[ok](../../README.md#why) [ok](#title) [ok](#createmcpauthoptions-and-more) [ok](../express-adapter)',
        '[outside](../../../shared/context/x.txt) [missing](./nope.md) [anchor](../../README.md#no-such-heading)',
        '[web](https://example.com/x) `[code](nope.md)`',
        '```md',
        '[in a block](nope.md)',
        '```',
      ].join('\n'),
    );
    const all = new Map(docs).set(doc.path, doc);
    const problems = doc.links.flatMap((link) => checkLink(doc, link, { files, docs: all }) ?? []);
    expect(problems.map((problem) => [problem.target, problem.problem])).toEqual([
      ['../../../shared/context/x.txt', expect.stringMatching(/outside the repository/)],
      ['./nope.md', expect.stringMatching(/no such file/)],
      ['../../README.md#no-such-heading', expect.stringMatching(/no heading/)],
    ]);
  });
});
