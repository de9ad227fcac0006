const PREFIX = '=?base64?';
const SUFFIX = '?=';
/** Canonical, padded standard Base64 (RFC 4648 §4), as the MCP specification's sentinel carries it. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The value of an `Mcp-Name` (or `Mcp-Param-*`) header (MCP 2026-07-28, "Value Encoding"): a value that
 * cannot travel as plain ASCII is sent as `=?base64?<Base64 of its UTF-8>?=`; anything else is the value
 * itself. Returns `undefined` for a sentinel that does not decode (non-canonical Base64, invalid UTF-8).
 */
export function decodeHeaderValue(value: string): string | undefined {
  if (!(value.startsWith(PREFIX) && value.endsWith(SUFFIX) && value.length >= PREFIX.length + SUFFIX.length)) return value;
  const encoded = value.slice(PREFIX.length, value.length - SUFFIX.length);
  if (!BASE64.test(encoded)) return undefined;
  try {
    return utf8.decode(Buffer.from(encoded, 'base64'));
  } catch {
    return undefined;
  }
}

/** `value` without the optional whitespace (SP / HTAB, RFC 9110 §5.6.3) around a field value; nothing else is trimmed. */
export function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  return value.slice(start, end);
}

const isOws = (code: number): boolean => code === 0x20 || code === 0x09;
