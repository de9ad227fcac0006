import { InvalidRequestError } from './errors.js';
import { decodeHeaderValue, trimOws } from './lib/header-value.js';

/** What a JSON-RPC request asks to run, as far as scopes are concerned. */
export interface McpOperation {
  readonly kind: 'tool' | 'resource' | 'prompt';
  /** The tool or prompt name, or the resource URI, exactly as the body carries it. */
  readonly name: string;
}

/** What {@link operationsOf} reads of a request. */
export interface OperationSource {
  /** `Mcp-Name` header, when present (2026-07-28 clients; may be a `=?base64?…?=` sentinel). */
  readonly mcpName?: string | undefined;
  /** `Mcp-Method` header, when present. */
  readonly mcpMethod?: string | undefined;
  /** The parsed JSON-RPC body (one message or a batch), exactly the object the transport will dispatch. */
  readonly body?: unknown;
}

/** The methods that name what they run, and where (MCP 2026-07-28, "Standard Request Headers"). */
const NAMED: ReadonlyMap<string, { readonly kind: McpOperation['kind']; readonly param: 'name' | 'uri' }> = new Map([
  ['tools/call', { kind: 'tool', param: 'name' }],
  ['resources/read', { kind: 'resource', param: 'uri' }],
  ['prompts/get', { kind: 'prompt', param: 'name' }],
]);
/** `completion/complete` names the prompt or resource template whose argument it completes. */
const COMPLETION_REFS: ReadonlyMap<string, { readonly kind: McpOperation['kind']; readonly param: 'name' | 'uri' }> = new Map([
  ['ref/prompt', { kind: 'prompt', param: 'name' }],
  ['ref/resource', { kind: 'resource', param: 'uri' }],
]);
const PROTOCOL_VERSION_META = 'io.modelcontextprotocol/protocolVersion';
/** The longest tool or prompt name, or resource URI, an operation may carry (UTF-16 code units). */
export const MAX_OPERATION_NAME_LENGTH = 8192;
/** The most characters the distinct names and URIs of one request may add up to (each is matched against scope rules). */
export const MAX_OPERATION_CHARACTERS = 65_536;

const invalid = (message: string): InvalidRequestError => new InvalidRequestError(`Invalid Request: ${message}`, { jsonRpcCode: -32600 });
const mismatch = (message: string): InvalidRequestError => new InvalidRequestError(`Header mismatch: ${message}`, { jsonRpcCode: -32020 });
const own = (value: object, key: string): unknown => (Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined);
const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The tools, resources and prompts an MCP request runs: from the JSON-RPC body (single or batch), read
 * as own properties only, and the `Mcp-Method` / `Mcp-Name` headers, which must agree with the body.
 *
 * - `Mcp-Name` is decoded (base64 sentinel) and compared with `params.name` (`tools/call`,
 *   `prompts/get`) or `params.uri` (`resources/read`); `Mcp-Method` with `method`. A disagreement, an
 *   undecodable sentinel, or a 2026-07-28 request (one whose `_meta` names its protocol version) without
 *   the headers the specification requires is refused with JSON-RPC -32020. An `Mcp-Name` without a body
 *   to check it against counts as one more operation (never fewer).
 * - With `strict` (scopes depend on the operation), every message must be readable unambiguously: an
 *   object whose `method` is an own string (or a response), and every named method must carry its own
 *   string `name` / `uri`. Anything else is refused (-32600) rather than read as "nothing to check".
 * - A name or URI longer than {@link MAX_OPERATION_NAME_LENGTH}, or distinct names adding up to more than
 *   {@link MAX_OPERATION_CHARACTERS}, are refused (-32600): each is matched against scope rules, and no
 *   server registers such names.
 * - `completion/complete` counts as the prompt (`ref/prompt`) or resource template (`ref/resource`) it
 *   completes an argument of: completions can reveal what the prompt or resource would.
 *
 * @throws InvalidRequestError (400): -32600 or -32020.
 */
export function operationsOf(request: OperationSource, strict = false): McpOperation[] {
  const body = request.body;
  const messages: readonly unknown[] = Array.isArray(body) ? body : body === undefined ? [] : [body];
  const headerMethod = request.mcpMethod === undefined ? undefined : trimOws(request.mcpMethod);
  const headerName = request.mcpName === undefined ? undefined : decodeName(request.mcpName);
  const operations: McpOperation[] = [];
  const seen = new Set<string>();
  let characters = 0;
  const add = (operation: McpOperation): void => {
    if (operation.name.length > MAX_OPERATION_NAME_LENGTH) throw invalid(`a ${operation.kind} ${operation.kind === 'resource' ? 'URI' : 'name'} longer than ${MAX_OPERATION_NAME_LENGTH} characters`);
    const key = `${operation.kind}\0${operation.name}`;
    if (seen.has(key)) return;
    characters += operation.name.length;
    if (characters > MAX_OPERATION_CHARACTERS) throw invalid(`the names and URIs of one request may add up to ${MAX_OPERATION_CHARACTERS} characters`);
    seen.add(key);
    operations.push(operation);
  };
  let named = 0;
  for (const message of messages) {
    if (!isObject(message)) {
      if (strict) throw invalid('a JSON-RPC message must be an object');
      continue;
    }
    const method = own(message, 'method');
    if (typeof method !== 'string') {
      const isResponse = method === undefined && Object.hasOwn(message, 'id') && (Object.hasOwn(message, 'result') || Object.hasOwn(message, 'error'));
      if (strict && !isResponse) throw invalid('method must be a string');
      continue;
    }
    const params = own(message, 'params');
    // what the 2026-07-28 revision requires of a request (not of a notification) that names its version
    const modern = Object.hasOwn(message, 'id') && isObject(params) && isObject(own(params, '_meta')) && own(own(params, '_meta') as object, PROTOCOL_VERSION_META) !== undefined;
    if (headerMethod !== undefined && headerMethod !== method) throw mismatch(`the Mcp-Method header does not match the body's method`);
    if (modern && headerMethod === undefined) throw mismatch('a 2026-07-28 request needs the Mcp-Method header');
    if (method === 'completion/complete') {
      const ref = isObject(params) ? own(params, 'ref') : undefined;
      const refTarget = isObject(ref) ? COMPLETION_REFS.get(own(ref, 'type') as string) : undefined;
      const value = isObject(ref) && refTarget !== undefined ? own(ref, refTarget.param) : undefined;
      if (refTarget !== undefined && typeof value === 'string') add({ kind: refTarget.kind, name: value });
      else if (strict) throw invalid('completion/complete needs params.ref, a ref/prompt with a string name or a ref/resource with a string uri');
      continue;
    }
    const target = NAMED.get(method);
    if (target === undefined) continue;
    named++;
    const value = isObject(params) ? own(params, target.param) : undefined;
    if (typeof value !== 'string') {
      if (strict) throw invalid(`${method} needs params.${target.param}, a string`);
      continue;
    }
    if (headerName !== undefined && headerName !== value) throw mismatch(`the Mcp-Name header does not match the body's params.${target.param}`);
    if (modern && headerName === undefined) throw mismatch(`a 2026-07-28 ${method} request needs the Mcp-Name header`);
    add({ kind: target.kind, name: value });
  }
  if (headerName !== undefined && named === 0) {
    const kind = headerMethod === undefined ? 'tool' : NAMED.get(headerMethod)?.kind;
    if (kind !== undefined) add({ kind, name: headerName });
  }
  return operations;
}

/** The tool names among {@link operationsOf}. */
export function toolNamesOf(request: OperationSource, strict = false): string[] {
  return operationsOf(request, strict).flatMap((op) => (op.kind === 'tool' ? [op.name] : []));
}

function decodeName(header: string): string {
  const value = decodeHeaderValue(trimOws(header));
  if (value === undefined) throw mismatch('the Mcp-Name header carries an invalid Base64 sentinel value');
  return value;
}


