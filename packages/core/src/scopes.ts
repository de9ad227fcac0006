import { InsufficientScopeError, InvalidRequestError } from './errors.js';

/** Which scopes each request needs. */
export interface ScopePolicyOptions {
  /** Scopes every request must carry. */
  readonly requiredScopes?: readonly string[];
  /** Extra scopes per tool name, checked on `tools/call` (step-up authorization). */
  readonly toolScopes?: Readonly<Record<string, readonly string[]>>;
  /**
   * Scope hierarchy: a granted scope satisfies every scope it implies, transitively.
   * `{ 'mcp:admin': ['mcp:tools'] }` lets an `mcp:admin` token call what needs `mcp:tools`.
   */
  readonly scopeImplies?: Readonly<Record<string, readonly string[]>>;
}

/** The tool names an MCP request calls: from the `Mcp-Name` header and the JSON-RPC body (single or batch). */
export function toolNamesOf(request: { readonly mcpName?: string | undefined; readonly mcpMethod?: string | undefined; readonly body?: unknown }): string[] {
  const body = request.body as { method?: unknown; params?: { name?: unknown } } | undefined;
  if (request.mcpName === undefined && !Array.isArray(body)) {
    const name = typeof body === 'object' && body !== null && body.method === 'tools/call' ? body.params?.name : undefined;
    return typeof name === 'string' ? [name] : [];
  }
  const names = new Set<string>();
  const messages = Array.isArray(request.body) ? request.body : request.body === undefined ? [] : [request.body];
  const calls = messages.filter(
    (m): m is { method: string; params?: { name?: unknown } } =>
      typeof m === 'object' && m !== null && (m as { method?: unknown }).method === 'tools/call',
  );
  for (const call of calls) {
    if (typeof call.params?.name === 'string') names.add(call.params.name);
  }
  if (request.mcpName !== undefined && request.mcpName !== '') {
    const headerIsForTool = request.mcpMethod === undefined || request.mcpMethod === 'tools/call';
    if (headerIsForTool && calls.length === 1 && !names.has(request.mcpName)) {
      throw new InvalidRequestError('the Mcp-Name header does not match the JSON-RPC body', { jsonRpcCode: -32020 });
    }
    if (headerIsForTool) names.add(request.mcpName);
  }
  return [...names];
}

/** Decides whether granted scopes satisfy a request; immutable and cheap to call per request. */
export class ScopePolicy {
  readonly requiredScopes: readonly string[];
  readonly #toolScopes: ReadonlyMap<string, readonly string[]>;
  readonly #closure: ReadonlyMap<string, ReadonlySet<string>>;

  constructor(options: ScopePolicyOptions = {}) {
    this.requiredScopes = [...new Set(options.requiredScopes ?? [])];
    this.#toolScopes = new Map(Object.entries(options.toolScopes ?? {}).map(([tool, scopes]) => [tool, [...new Set(scopes)]]));
    this.#closure = impliedClosure(options.scopeImplies ?? {});
  }

  /** Every scope the named tools (plus the global requirement) need, in a stable order. */
  scopesFor(tools: readonly string[]): readonly string[] {
    if (tools.length === 0 || !tools.some((tool) => this.#toolScopes.has(tool))) return this.requiredScopes;
    const all = new Set(this.requiredScopes);
    for (const tool of tools) for (const s of this.#toolScopes.get(tool) ?? []) all.add(s);
    return [...all];
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
  assert(granted: readonly string[], tools: readonly string[]): void {
    const needed = this.scopesFor(tools);
    if (!this.satisfies(granted, needed)) {
      const what = tools.length > 0 ? `tool ${tools.join(', ')}` : 'this server';
      throw new InsufficientScopeError(`${what} requires scope ${needed.join(' ')}`, needed);
    }
  }
}

function impliedClosure(implies: Readonly<Record<string, readonly string[]>>): Map<string, Set<string>> {
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
