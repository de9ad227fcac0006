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

/** What {@link toolNamesOf} reads of a request. */
export interface ToolNameSource {
  /** `Mcp-Name` header, when present. */
  readonly mcpName?: string | undefined;
  /** `Mcp-Method` header, when present. */
  readonly mcpMethod?: string | undefined;
  /** The parsed JSON-RPC body (one message or a batch), exactly the object the transport will dispatch. */
  readonly body?: unknown;
}

const invalid = (message: string): InvalidRequestError => new InvalidRequestError(`Invalid Request: ${message}`, { jsonRpcCode: -32600 });
const own = (value: object, key: string): unknown => (Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined);

/**
 * The tool names an MCP request calls: from the JSON-RPC body (single or batch) and the `Mcp-Name`
 * header, read as own properties only.
 *
 * With `strict` (scopes depend on the tool), every message must be readable unambiguously: an object
 * whose `method` is an own string (or a response: an `id` with a `result` or `error`), and every
 * `tools/call` must carry an own `params` object with an own string `name`. Anything else is refused
 * rather than treated as "no tool" (fail closed).
 *
 * @throws InvalidRequestError: JSON-RPC -32600 for an unreadable message in strict mode, -32020 when
 * `Mcp-Name` contradicts the body.
 */
export function toolNamesOf(request: ToolNameSource, strict = false): string[] {
  const body = request.body;
  const messages: readonly unknown[] = Array.isArray(body) ? body : body === undefined ? [] : [body];
  const names: string[] = [];
  let calls = 0;
  for (const message of messages) {
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      if (strict) throw invalid('a JSON-RPC message must be an object');
      continue;
    }
    const method = own(message, 'method');
    if (typeof method !== 'string') {
      const isResponse = method === undefined && Object.hasOwn(message, 'id') && (Object.hasOwn(message, 'result') || Object.hasOwn(message, 'error'));
      if (strict && !isResponse) throw invalid('method must be a string');
      continue;
    }
    if (method !== 'tools/call') continue;
    calls++;
    const params = own(message, 'params');
    const name = typeof params === 'object' && params !== null && !Array.isArray(params) ? own(params, 'name') : undefined;
    if (typeof name === 'string') {
      if (!names.includes(name)) names.push(name);
    } else if (strict) {
      throw invalid('tools/call needs params.name, a string');
    }
  }
  const header = request.mcpName;
  if (header !== undefined && header !== '' && (request.mcpMethod === undefined || request.mcpMethod === 'tools/call')) {
    if (calls === 1 && !names.includes(header)) {
      throw new InvalidRequestError('the Mcp-Name header does not match the JSON-RPC body', { jsonRpcCode: -32020 });
    }
    if (!names.includes(header)) names.push(header);
  }
  return names;
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

  /** True when some tool needs more than the global scopes: the request body then decides, and must be readable. */
  get dependsOnTools(): boolean {
    return this.#toolScopes.size > 0;
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
      // Tool names come from the request: they stay out of the message, which becomes a header value.
      throw new InsufficientScopeError(`${tools.length > 0 ? 'this tool' : 'this server'} requires scope ${needed.join(' ')}`, needed);
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
