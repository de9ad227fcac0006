import { InsufficientScopeError } from './errors.js';
import { normalizedUri, type UriTemplateMatcher, uriTemplateMatcher } from './lib/uri-template.js';
import type { McpOperation } from './operations.js';

/** Scopes by name: `{ delete_page: ['mcp:admin'] }`. */
export type ScopeMap = Readonly<Record<string, readonly string[]>>;

/** Which scopes each request needs. */
export interface ScopePolicyOptions {
  /** Scopes every request must carry. */
  readonly requiredScopes?: readonly string[];
  /** Extra scopes per tool name, checked on `tools/call` (step-up authorization). */
  readonly toolScopes?: ScopeMap;
  /**
   * Extra scopes per resource, checked on `resources/read`: keys are URIs or RFC 6570 URI templates
   * (`file:///reports/{name}`). A URI is matched as the MCP SDKs route it (parsed and serialised by
   * `URL`, exact URIs and every template tried) and as sent; it needs the scopes of every entry it matches.
   * `completion/complete` for a resource template needs the scopes of the entry whose key it names (or matches).
   */
  readonly resourceScopes?: ScopeMap;
  /** Extra scopes per prompt name, checked on `prompts/get` and on `completion/complete` for the prompt. */
  readonly promptScopes?: ScopeMap;
  /**
   * Scope hierarchy: a granted scope satisfies every scope it implies, transitively.
   * `{ 'mcp:admin': ['mcp:tools'] }` lets an `mcp:admin` token call what needs `mcp:tools`.
   */
  readonly scopeImplies?: ScopeMap;
}

interface ResourceRule {
  /** The key as configured: a `completion/complete` names a template by it. */
  readonly key: string;
  /** The key as the SDKs look a fixed resource up (URL-normalised). */
  readonly exact: string;
  readonly matches: UriTemplateMatcher | undefined;
  readonly scopes: readonly string[];
}

/** Decides whether granted scopes satisfy a request; immutable and cheap to call per request. */
export class ScopePolicy {
  readonly requiredScopes: readonly string[];
  readonly #tools: ReadonlyMap<string, readonly string[]>;
  readonly #prompts: ReadonlyMap<string, readonly string[]>;
  readonly #resources: readonly ResourceRule[];
  readonly #closure: ReadonlyMap<string, ReadonlySet<string>>;

  constructor(options: ScopePolicyOptions = {}) {
    this.requiredScopes = [...new Set(options.requiredScopes ?? [])];
    this.#tools = byName(options.toolScopes);
    this.#prompts = byName(options.promptScopes);
    this.#resources = Object.entries(options.resourceScopes ?? {}).map(([key, scopes]) => {
      const template = key.includes('{');
      return {
        key,
        // a key with braces is a template, and may also be a fixed URI the SDKs look up as such
        exact: normalizedUri(key) ?? key,
        matches: template ? uriTemplateMatcher(key) : undefined,
        scopes: [...new Set(scopes)],
      };
    });
    this.#closure = impliedClosure(options.scopeImplies ?? {});
  }

  /** True when some operation needs more than the global scopes: the request body then decides, and must be readable. */
  get dependsOnOperations(): boolean {
    return this.#tools.size > 0 || this.#prompts.size > 0 || this.#resources.length > 0;
  }

  /** Every scope the operations (plus the global requirement) need, in a stable order. */
  scopesFor(operations: readonly McpOperation[]): readonly string[] {
    let all: Set<string> | undefined;
    for (const operation of operations) {
      for (const scope of this.#extra(operation)) (all ??= new Set(this.requiredScopes)).add(scope);
    }
    return all === undefined ? this.requiredScopes : [...all];
  }

  /** Whether `granted` satisfies `needed`, honouring the hierarchy. */
  satisfies(granted: readonly string[], needed: readonly string[]): boolean {
    if (needed.length === 0) return true;
    if (needed.every((s) => granted.includes(s))) return true;
    if (this.#closure.size === 0) return false;
    const effective = new Set<string>();
    for (const g of granted) {
      effective.add(g);
      for (const implied of this.#closure.get(g) ?? []) effective.add(implied);
    }
    return needed.every((s) => effective.has(s));
  }

  /** @throws InsufficientScopeError listing every scope the request needs when `granted` falls short. */
  assert(granted: readonly string[], operations: readonly McpOperation[]): void {
    const needed = this.scopesFor(operations);
    if (!this.satisfies(granted, needed)) {
      // Names come from the request: they stay out of the message, which becomes a header value.
      throw new InsufficientScopeError(`${operations.length > 0 ? `this ${operations[0]?.kind}` : 'this server'} requires scope ${needed.join(' ')}`, needed);
    }
  }

  #extra(operation: McpOperation): readonly string[] {
    switch (operation.kind) {
      case 'tool':
        return this.#tools.get(operation.name) ?? [];
      case 'prompt':
        return this.#prompts.get(operation.name) ?? [];
      case 'resource': {
        const normalized = normalizedUri(operation.name);
        const forms = normalized === undefined || normalized === operation.name ? [operation.name] : [operation.name, normalized];
        return this.#resources.flatMap((rule) =>
          operation.name === rule.key || forms.some((uri) => uri === rule.exact || (rule.matches !== undefined && rule.matches(uri))) ? rule.scopes : [],
        );
      }
    }
  }
}

function byName(map: ScopeMap | undefined): Map<string, readonly string[]> {
  return new Map(Object.entries(map ?? {}).map(([name, scopes]) => [name, [...new Set(scopes)]]));
}

function impliedClosure(implies: ScopeMap): Map<string, Set<string>> {
  const closure = new Map<string, Set<string>>();
  for (const root of Object.keys(implies)) {
    const seen = new Set<string>();
    const stack = [...(implies[root] ?? [])];
    while (stack.length > 0) {
      const s = stack.pop() as string;
      if (seen.has(s)) continue;
      seen.add(s);
      stack.push(...(implies[s] ?? []));
    }
    closure.set(root, seen);
  }
  return closure;
}
