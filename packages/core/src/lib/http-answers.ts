/**
 * Framework-neutral answers the adapters translate: what to send is decided here, once, so the Express
 * and the Web adapters cannot drift apart.
 */

/** A complete answer without a JSON body: status, headers, and the body text (if any). */
export interface PlainAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(?:[ \t]*,[ \t]*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;

/**
 * The answer to a request for a public, read-only discovery document (RFC 9728 metadata, the mirrored
 * RFC 8414 document): CORS for any origin, the preflight (204), 405 for anything but GET, HEAD and
 * OPTIONS, and the document itself (no body for HEAD), cacheable by anyone for `maxAgeSeconds`.
 * `document` is only called for GET and HEAD.
 */
export function discoveryAnswer(method: string, requestedHeaders: string | undefined, document: () => string, maxAgeSeconds: number): PlainAnswer {
  const cors = { 'Access-Control-Allow-Origin': '*' };
  if (method === 'OPTIONS') {
    return {
      status: 204,
      headers: {
        ...cors,
        'Access-Control-Allow-Methods': 'GET, OPTIONS',
        'Access-Control-Allow-Headers': requestedHeaders !== undefined && HEADER_LIST.test(requestedHeaders) ? requestedHeaders : 'MCP-Protocol-Version',
        'Access-Control-Max-Age': '86400',
      },
      body: undefined,
    };
  }
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, headers: { ...cors, Allow: 'GET, HEAD, OPTIONS' }, body: undefined };
  const json = document();
  return {
    status: 200,
    headers: { ...cors, 'Content-Type': 'application/json', 'Cache-Control': `public, max-age=${maxAgeSeconds}` },
    body: method === 'HEAD' ? undefined : json,
  };
}

/** A declared body: a `Content-Length` above zero or any `Transfer-Encoding`. */
export function declaresBody(contentLength: string | undefined | null, transferEncoding: string | undefined | null): boolean {
  return (transferEncoding !== undefined && transferEncoding !== null) || (contentLength !== undefined && contentLength !== null && contentLength !== '0');
}

/** `application/x-www-form-urlencoded`, which is how RFC 6750 §2.2 would carry a token in the body. */
export function isFormContentType(contentType: string | undefined | null): boolean {
  return typeof contentType === 'string' && /^\s*application\/x-www-form-urlencoded\s*(;|$)/i.test(contentType);
}

/** `access_token` in a query string (after percent-decoding: `?access%5Ftoken=…` is the same parameter). */
export function hasQueryToken(url: string): boolean {
  const q = url.indexOf('?');
  return q !== -1 && new URLSearchParams(url.slice(q + 1)).has('access_token');
}

/** Longest single wait of {@link expiryDelay}; longer lifetimes are reached in steps. */
const STEP_MS = 60_000;

/**
 * How long to wait before looking again whether a response opened with credentials valid until
 * `validUntil` (ms since the epoch) must end: 0 means now. Waits are whole seconds (at most a second
 * late) so that every response shares Node's few timer lists.
 */
export function expiryDelay(validUntil: number, now = Date.now()): number {
  const left = validUntil - now;
  if (left <= 0) return 0;
  return left > STEP_MS ? STEP_MS : Math.ceil(left / 1000) * 1000;
}
