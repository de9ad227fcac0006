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
  return (uri) => matches(units, uri);
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

function matches(units: readonly Unit[], uri: string): boolean {
  const end = units.length;
  let current = new Uint8Array(end + 1);
  let next = new Uint8Array(end + 1);
  // mark state i and every state reachable from it by skipping runs (which may be empty)
  const enter = (set: Uint8Array, state: number): void => {
    for (let i = state; set[i] === 0; i++) {
      set[i] = 1;
      if (i === end || units[i]?.kind !== 'many') return;
    }
  };
  enter(current, 0);
  for (let at = 0; at < uri.length; at++) {
    const code = uri.charCodeAt(at);
    next.fill(0);
    let alive = false;
    for (let state = 0; state < end; state++) {
      if (current[state] === 0) continue;
      const unit = units[state] as Unit;
      if (unit.kind === 'literal') {
        if (unit.code !== code) continue;
        enter(next, state + 1);
      } else {
        if (!unit.anyChar && code === SLASH) continue;
        enter(next, unit.kind === 'one' ? state + 1 : state);
      }
      alive = true;
    }
    if (!alive) return false;
    [current, next] = [next, current];
  }
  return current[end] === 1;
}
