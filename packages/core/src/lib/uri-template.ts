/** The URI as the MCP SDKs look resources up: `new URL(uri).toString()`; undefined when it does not parse. */
export function normalizedUri(uri: string): string | undefined {
  return URL.canParse(uri) ? new URL(uri).toString() : undefined;
}

/** Decides whether a URI is one an RFC 6570 template routes to. */
export type UriTemplateMatcher = (uri: string) => boolean;

/** One step of a compiled template: a literal code unit, one code unit of a class, or any run of a class. */
type Unit = { readonly kind: 'literal'; readonly code: number } | { readonly kind: 'one' | 'many'; readonly anyChar: boolean };

const SLASH = 0x2f;

/**
 * A matcher for every URI an RFC 6570 template can route to in the MCP SDKs (1.x and 2.x
 * `UriTemplate.match`), and possibly more: each expression matches at least what the SDK's does, so a
 * scope attached to a template is never skipped for a URI the server would serve from it.
 *
 * Matching runs a small automaton over the URI once (time linear in the URI times the template's
 * length), never a backtracking regular expression: a URI comes from the request.
 */
export function uriTemplateMatcher(template: string): UriTemplateMatcher {
  const units = compile(template);
  // the literal text before the first expression and after the last: most URIs are decided by these alone
  let head = 0;
  while (head < units.length && units[head]?.kind === 'literal') head++;
  let tail = units.length;
  while (tail > head && units[tail - 1]?.kind === 'literal') tail--;
  const prefix = literalText(units.slice(0, head));
  const suffix = literalText(units.slice(tail));
  if (head === units.length) return (uri) => uri === prefix;
  const middle = units.slice(head, tail);
  return (uri) =>
    uri.length >= prefix.length + suffix.length && uri.startsWith(prefix) && uri.endsWith(suffix) && matches(middle, uri, prefix.length, uri.length - suffix.length);
}

function literalText(units: readonly Unit[]): string {
  return units.map((unit) => String.fromCharCode((unit as { code: number }).code)).join('');
}

function compile(template: string): Unit[] {
  const units: Unit[] = [];
  const literal = (text: string): void => {
    for (let i = 0; i < text.length; i++) units.push({ kind: 'literal', code: text.charCodeAt(i) });
  };
  const plus = (anyChar: boolean): void => {
    units.push({ kind: 'one', anyChar }, { kind: 'many', anyChar });
  };
  let rest = template;
  for (;;) {
    const open = rest.indexOf('{');
    const close = open === -1 ? -1 : rest.indexOf('}', open);
    if (open === -1 || close === -1) {
      literal(rest);
      return units;
    }
    literal(rest.slice(0, open));
    const body = rest.slice(open + 1, close);
    rest = rest.slice(close + 1);
    const operator = body.length > 0 && '+#./?&'.includes(body[0] as string) ? (body[0] as string) : '';
    const named = body
      .slice(operator.length)
      .split(',')
      .some((name) => name.replace('*', '').trim().length > 0);
    if (!named) {
      // The SDKs emit nothing for a query expression without a variable name ({?}, {&,}), and an
      // unnamed expression of another kind is never what a server means: it may match anything, nothing included.
      units.push({ kind: 'many', anyChar: true });
      continue;
    }
    switch (operator) {
      case '+':
      case '#':
        plus(true);
        break;
      case '.':
        literal('.');
        plus(false);
        break;
      case '/':
        // the SDKs match one segment; any run after the slash covers that (and exploded paths)
        literal('/');
        plus(true);
        break;
      case '?':
      case '&':
        literal(operator);
        units.push({ kind: 'many', anyChar: true });
        break;
      default:
        plus(false);
    }
  }
}

/** Runs the automaton over `uri` from `start` to `end`, keeping only the live states (a handful, whatever the template). */
function matches(units: readonly Unit[], uri: string, start: number, end: number): boolean {
  const last = units.length;
  let current: number[] = [];
  let next: number[] = [];
  // per state, the last position it was entered at: a state is listed once per step
  const entered = new Int32Array(last + 1).fill(-1);
  // enter state i and every state reachable from it by skipping runs (which may be empty)
  const enter = (list: number[], state: number, at: number): void => {
    for (let i = state; entered[i] !== at; i++) {
      entered[i] = at;
      list.push(i);
      if (i === last || units[i]?.kind !== 'many') return;
    }
  };
  enter(current, 0, start);
  for (let at = start; at < end; at++) {
    const code = uri.charCodeAt(at);
    next.length = 0;
    for (const state of current) {
      if (state === last) continue;
      const unit = units[state] as Unit;
      if (unit.kind === 'literal') {
        if (unit.code === code) enter(next, state + 1, at + 1);
      } else if (unit.anyChar || code !== SLASH) {
        enter(next, unit.kind === 'one' ? state + 1 : state, at + 1);
      }
    }
    if (next.length === 0) return false;
    [current, next] = [next, current];
  }
  return entered[last] === end;
}
