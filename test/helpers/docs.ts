/**
 * Reading the repository's Markdown for test/docs.test.ts: fenced code blocks (with the snippet marker
 * that names the type-checked file they are quoted from), relative links and heading anchors.
 *
 * A TypeScript block in a Markdown file is preceded by a marker line naming a region of a compiled file:
 *
 *     <!-- snippet: examples/snippets/express-adapter.ts#express-adapter -->
 *     ```ts
 *
 * and that file holds the very same code between `// #region express-adapter` and `// #endregion`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Info strings of fenced blocks that hold TypeScript. */
export const TS_LANGS = new Set(['ts', 'typescript', 'tsx', 'mts', 'cts']);

const MARKER = /^\s*<!--\s*snippet:\s*(\S+?)#([\w.-]+)\s*-->\s*$/;

export interface Fence {
  /** First word of the info string, lower-cased ('' when none). */
  readonly lang: string;
  readonly content: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The snippet marker on the line just before the fence, if any. */
  readonly snippet: { readonly file: string; readonly region: string } | undefined;
}

export interface Link {
  readonly target: string;
  /** 1-based line where the link starts. */
  readonly line: number;
}

export interface MarkdownDoc {
  /** Repository-relative path, with forward slashes. */
  readonly path: string;
  readonly fences: readonly Fence[];
  readonly links: readonly Link[];
  /** GitHub anchors of the headings, duplicates numbered like GitHub does (`name`, `name-1`, …). */
  readonly anchors: ReadonlySet<string>;
}

const toPosix = (path: string): string => path.split(sep).join('/');

/** Files of the working tree a clone would have: tracked, or new and not ignored. Undefined without git. */
export function repositoryFiles(): ReadonlySet<string> | undefined {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 * 1024 * 1024,
    });
    // a deleted but still tracked file is listed by --cached: keep only what exists
    return new Set(out.split('\0').filter((file) => file !== '' && existsSync(join(ROOT, file))));
  } catch {
    return undefined;
  }
}

/** Every Markdown file of the repository (outside node_modules and build output). */
export function markdownFiles(files = repositoryFiles()): string[] {
  if (files !== undefined) {
    return [...files].filter((file) => file.toLowerCase().endsWith('.md') && !/(^|\/)(node_modules|dist)\//.test(file)).sort();
  }
  const found: string[] = [];
  for (const entry of readdirSync(ROOT)) if (entry.endsWith('.md')) found.push(entry);
  for (const parent of ['packages', 'examples']) {
    for (const name of readdirSync(join(ROOT, parent))) {
      const dir = join(ROOT, parent, name);
      if (!statSync(dir).isDirectory()) continue;
      for (const entry of readdirSync(dir)) if (entry.endsWith('.md')) found.push(`${parent}/${name}/${entry}`);
    }
  }
  return found.sort();
}

/** The READMEs whose TypeScript blocks must be compiled excerpts: the root one, packages' and examples'. */
export function isReadme(path: string): boolean {
  return /^(README\.md|(packages|examples)\/[^/]+\/README\.md)$/.test(path);
}

/** GitHub's heading anchor (github-slugger) of a heading's Markdown source. */
export function headingSlug(source: string): string {
  const text = source
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/`/g, '')
    .replace(/\*+/g, '');
  return text
    .toLowerCase()
    .trim()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Splits one Markdown file into fenced blocks, links outside them, and heading anchors. */
export function parseMarkdown(path: string, text: string): MarkdownDoc {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const fences: Fence[] = [];
  const prose: string[] = []; // the file with fenced blocks blanked, line numbers kept
  const anchors = new Set<string>();
  const slugCounts = new Map<string, number>();
  let open: { char: string; length: number; indent: number; lang: string; line: number; body: string[]; snippet: Fence['snippet'] } | undefined;

  lines.forEach((line, index) => {
    if (open === undefined) {
      const start = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/.exec(line);
      if (start !== null) {
        const marker = index > 0 ? MARKER.exec(lines[index - 1] ?? '') : null;
        open = {
          char: start[2]![0]!,
          length: start[2]!.length,
          indent: start[1]!.length,
          lang: start[3]!.toLowerCase(),
          line: index + 1,
          body: [],
          snippet: marker === null ? undefined : { file: marker[1]!, region: marker[2]! },
        };
        prose.push('');
        return;
      }
      prose.push(line);
      const heading = /^ {0,3}#{1,6}\s+(.*?)(\s+#+)?\s*$/.exec(line);
      if (heading !== null) {
        const base = headingSlug(heading[1]!);
        const seen = slugCounts.get(base) ?? 0;
        slugCounts.set(base, seen + 1);
        anchors.add(seen === 0 ? base : `${base}-${seen}`);
      }
      return;
    }
    const close = /^\s*(`{3,}|~{3,})\s*$/.exec(line);
    if (close !== null && close[1]![0] === open.char && close[1]!.length >= open.length) {
      fences.push({ lang: open.lang, content: open.body.join('\n'), line: open.line, snippet: open.snippet });
      open = undefined;
    } else {
      // content lines lose at most the fence's own indentation (fences inside list items)
      open.body.push(line.replace(new RegExp(`^ {0,${open.indent}}`), ''));
    }
    prose.push('');
  });
  if (open !== undefined) throw new Error(`${path}:${open.line}: code block never closed`);

  return { path, fences, links: findLinks(prose), anchors };
}

/** Inline links `[text](target)`, images and reference definitions, outside code spans. */
function findLinks(prose: readonly string[]): Link[] {
  const links: Link[] = [];
  // paragraphs, so that code spans and links broken over lines are seen whole
  let start = 0;
  const flush = (end: number): void => {
    const paragraph = prose.slice(start, end).join('\n');
    // blank code spans (keeping newlines, so offsets still map to lines)
    const text = paragraph.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, (span) => span.replace(/[^\n]/g, ' '));
    const lineAt = (offset: number): number => start + 1 + (text.slice(0, offset).match(/\n/g)?.length ?? 0);
    for (const match of text.matchAll(/\]\(\s*(<[^>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g)) {
      links.push({ target: match[1]!.replace(/^<|>$/g, ''), line: lineAt(match.index) });
    }
    for (const match of text.matchAll(/^ {0,3}\[[^\]]+\]:\s*(<[^>\n]*>|\S+)/gm)) {
      links.push({ target: match[1]!.replace(/^<|>$/g, ''), line: lineAt(match.index) });
    }
    start = end + 1;
  };
  prose.forEach((line, index) => {
    if (line.trim() === '') flush(index);
  });
  flush(prose.length);
  return links;
}

export interface LinkProblem {
  readonly where: string;
  readonly target: string;
  readonly problem: string;
}

/** Why a relative link of `doc` is broken, or undefined when it is fine (or not relative: http, mailto…). */
export function checkLink(
  doc: MarkdownDoc,
  link: Link,
  context: { files: ReadonlySet<string> | undefined; docs: ReadonlyMap<string, MarkdownDoc> },
): LinkProblem | undefined {
  const where = `${doc.path}:${link.line}`;
  const { target } = link;
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) return undefined; // external: not fetched
  const hash = target.indexOf('#');
  const rawPath = hash === -1 ? target : target.slice(0, hash);
  const anchor = hash === -1 ? undefined : target.slice(hash + 1);
  const fail = (problem: string): LinkProblem => ({ where, target, problem });

  let file: string;
  if (rawPath === '') {
    file = doc.path;
  } else {
    let decoded: string;
    try {
      decoded = decodeURIComponent(rawPath.split('?')[0]!);
    } catch {
      return fail('not a valid URL path');
    }
    if (decoded.startsWith('/')) return fail('absolute path: use a path relative to this file');
    const absolute = resolve(ROOT, dirname(doc.path), decoded);
    const inRepo = relative(ROOT, absolute);
    if (inRepo === '') file = '.';
    else if (inRepo.startsWith('..') || isAbsolute(inRepo)) return fail('points outside the repository (broken in a clone)');
    else file = toPosix(inRepo).replace(/\/$/, '');
    const exists =
      context.files === undefined
        ? existsSync(absolute)
        : file === '.' || context.files.has(file) || [...context.files].some((known) => known.startsWith(`${file}/`));
    if (!exists) return fail(context.files === undefined ? 'no such file' : 'no such file in the repository (untracked or ignored files do not count)');
  }

  if (anchor !== undefined && anchor !== '' && file.toLowerCase().endsWith('.md')) {
    const target = context.docs.get(file);
    if (target !== undefined && !target.anchors.has(decodeURIComponent(anchor).toLowerCase())) {
      return fail(`no heading with anchor #${anchor} in ${file}`);
    }
  }
  return undefined;
}

/** The region `name` of a source file: the lines strictly between `// #region name` and `// #endregion`. */
export function extractRegion(source: string, name: string): string {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const isStart = (line: string): boolean => new RegExp(`^\\s*//\\s*#region\\s+${escapeRegExp(name)}\\s*$`).test(line);
  const starts = lines.flatMap((line, index) => (isStart(line) ? [index] : []));
  if (starts.length !== 1) throw new Error(`expected exactly one "// #region ${name}", found ${starts.length}`);
  const from = starts[0]!;
  const end = lines.findIndex((line, index) => index > from && new RegExp(`^\\s*//\\s*#endregion(\\s+${escapeRegExp(name)})?\\s*$`).test(line));
  if (end === -1) throw new Error(`"// #region ${name}" has no "// #endregion"`);
  return dedent(lines.slice(from + 1, end)).join('\n');
}

/** Names of every `// #region` in a source file. */
export function regionNames(source: string): string[] {
  return [...source.matchAll(/^\s*\/\/\s*#region\s+(\S+)\s*$/gm)].map((match) => match[1]!);
}

function dedent(lines: readonly string[]): string[] {
  const indents = lines.filter((line) => line.trim() !== '').map((line) => /^\s*/.exec(line)![0].length);
  const cut = indents.length === 0 ? 0 : Math.min(...indents);
  return lines.map((line) => line.slice(cut));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** What a README block and its region are compared as: line endings unified, surrounding blank space trimmed. */
export function normalizeCode(code: string): string {
  return code.replace(/\r\n?/g, '\n').trim();
}

/** Reads a repository file. */
export function readRepoFile(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

/** Files that a type-check covers besides the snippets program: the workspaces' own sources. */
const WORKSPACE_SOURCE = /^(packages|examples)\/[^/]+\/src\/.+\.(ts|mts|cts|tsx)$/;

/**
 * Why a TypeScript block is not an exact excerpt of a compiled file, or undefined when it is.
 * `compiled` is the set of repository-relative files the snippets program type-checks.
 */
export function blockProblem(fence: Fence, compiled: ReadonlySet<string>): string | undefined {
  if (fence.snippet === undefined) {
    return 'no snippet marker: put `<!-- snippet: examples/snippets/<file>.ts#<region> -->` on the line before the block, and the code in that region of a type-checked file';
  }
  const { file, region } = fence.snippet;
  if (!compiled.has(file) && !(WORKSPACE_SOURCE.test(file) && existsSync(join(ROOT, file)))) {
    return `${file} is not a type-checked file (examples/snippets/**, or a workspace's src/)`;
  }
  let code: string;
  try {
    code = extractRegion(readRepoFile(file), region);
  } catch (error) {
    return `${file}: ${(error as Error).message}`;
  }
  if (normalizeCode(code) !== normalizeCode(fence.content)) {
    const quoted = normalizeCode(fence.content).split('\n');
    const compiledLines = normalizeCode(code).split('\n');
    const at = quoted.findIndex((line, index) => line !== compiledLines[index]);
    const line = at === -1 ? quoted.length : at;
    return (
      `differs from ${file}#${region} at line ${line + 1} of the block:\n` +
      `  README:   ${JSON.stringify(quoted[line] ?? '<end of block>')}\n` +
      `  compiled: ${JSON.stringify(compiledLines[line] ?? '<end of region>')}`
    );
  }
  return undefined;
}
