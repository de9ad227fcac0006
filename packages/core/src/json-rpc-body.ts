import { InvalidRequestError } from './errors.js';

/** The headers that decide how a request body is decoded. */
export interface BodyEncoding {
  /** `Content-Type`, when present. */
  readonly contentType?: string | undefined;
  /** `Content-Encoding`, when present. */
  readonly contentEncoding?: string | undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

const unsupported = (message: string): InvalidRequestError =>
  new InvalidRequestError(`Unsupported Media Type: ${message}`, { status: 415, jsonRpcCode: -32000 });
const parseError = (message: string): InvalidRequestError => new InvalidRequestError(`Parse error: ${message}`, { jsonRpcCode: -32700 });

/**
 * Refuses a body mcpgate and the MCP SDK could read differently: a `Content-Encoding` (the SDK does not
 * decompress) or a `charset` other than UTF-8 (the SDK always decodes UTF-8).
 *
 * @throws InvalidRequestError (415) otherwise.
 */
export function assertPlainUtf8(encoding: BodyEncoding): void {
  const contentEncoding = encoding.contentEncoding?.trim().toLowerCase();
  if (contentEncoding !== undefined && contentEncoding !== '' && contentEncoding !== 'identity') {
    throw unsupported('Content-Encoding is not supported; send the JSON-RPC body uncompressed');
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(encoding.contentType ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') throw unsupported('the body must be UTF-8');
}

/**
 * Parses a JSON-RPC request body exactly as the MCP SDK does (UTF-8, one leading byte-order mark
 * dropped, `JSON.parse`), and refuses what the two could read differently: invalid UTF-8, a compressed
 * or non-UTF-8 body, and prototype-poisoning keys (see {@link assertPlainJson}). Hand the returned
 * object itself to the transport, so the tool the scopes were checked for is the tool that runs.
 *
 * @throws InvalidRequestError: 415 for the encoding, 400 with JSON-RPC -32700 / -32600 for the content.
 */
export function parseJsonRpcBody(bytes: Uint8Array, encoding: BodyEncoding = {}): unknown {
  assertPlainUtf8(encoding);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw parseError('the body is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw parseError('Invalid JSON');
  }
  if (text.includes('__proto__') || text.includes('constructor') || text.includes('\\u')) assertPlainJson(value);
  return value;
}

/**
 * Refuses parsed JSON that carries a `__proto__` key, a `constructor` object with a `prototype` key, or
 * an object whose prototype is not the plain one: keys that `JSON.parse` keeps as data but that a copy
 * by assignment (zod 3, `Object.assign`, spread into setters) turns into a prototype, so that a name
 * invisible to one reader is the name another one acts on. Walks iteratively (no depth limit, no
 * recursion to overflow).
 *
 * @throws InvalidRequestError (400, JSON-RPC -32600).
 */
export function assertPlainJson(value: unknown): void {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const current = pending.pop();
    if (typeof current !== 'object' || current === null) continue;
    if (Array.isArray(current)) {
      if (Object.getPrototypeOf(current) !== Array.prototype) throw poisoned();
      for (const item of current) if (typeof item === 'object' && item !== null) pending.push(item);
      continue;
    }
    const prototype: unknown = Object.getPrototypeOf(current);
    if (prototype !== Object.prototype && prototype !== null) throw poisoned();
    for (const key of Object.keys(current)) {
      const item = (current as Record<string, unknown>)[key];
      if (key === '__proto__') throw poisoned();
      if (key === 'constructor' && typeof item === 'object' && item !== null && Object.hasOwn(item, 'prototype')) throw poisoned();
      if (typeof item === 'object' && item !== null) pending.push(item);
    }
  }
}

function poisoned(): InvalidRequestError {
  return new InvalidRequestError('Invalid Request: the body contains a forbidden key (__proto__ or constructor.prototype)', { jsonRpcCode: -32600 });
}
