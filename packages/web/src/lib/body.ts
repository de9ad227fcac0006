import { InvalidRequestError, parseJsonRpcBody } from '@mcpgate/core';
import { isFormContentType, readBoundedBytes, ResponseTooLargeError, withDeadline } from '@mcpgate/core/internal';

export interface BodyLimits {
  /** Largest body read, in bytes. */
  readonly limitBytes: number;
  /** Longest the whole body may take to arrive, in milliseconds. */
  readonly timeoutMs: number;
}


class BodyTimeout extends Error {}

/**
 * Largest declared body read whole (`arrayBuffer()`) rather than as a stream: a whole read cannot be
 * cancelled at the deadline, so only small bodies (all of MCP's usual traffic) take that faster path.
 */
const WHOLE_READ_BYTES = 64 * 1024;

/**
 * Reads a request's JSON-RPC body within `limits` and parses it exactly as the MCP SDK does
 * (`parseJsonRpcBody`: UTF-8, one byte-order mark dropped, `JSON.parse`, prototype-poisoning keys,
 * compression and other charsets refused). A form body carrying `access_token` is refused (RFC 6750 §2.2
 * is never accepted).
 *
 * @throws InvalidRequestError: 400 / 408 / 413 / 415.
 */
export async function readJsonRpcBody(request: Request, limits: BodyLimits): Promise<unknown> {
  let bytes: Uint8Array;
  try {
    const declared = request.headers.get('content-length');
    bytes = await withDeadline(
      limits.timeoutMs,
      (signal) =>
        // a body of a declared length within the limit is read whole (on @hono/node-server, arrayBuffer() reads the
        // socket directly, where `request.body` first builds a web stream); any other is read as a bounded stream
        declared !== null && /^\d+$/.test(declared) && Number(declared) <= Math.min(limits.limitBytes, WHOLE_READ_BYTES) && request.headers.get('transfer-encoding') === null
          ? request.arrayBuffer().then((buffer) => new Uint8Array(buffer))
          : readBoundedBytes(request.body, declared, limits.limitBytes, signal),
      () => new BodyTimeout(),
    );
  } catch (error) {
    if (error instanceof ResponseTooLargeError) {
      throw new InvalidRequestError(`Payload Too Large: the body must not exceed ${limits.limitBytes} bytes`, { status: 413, jsonRpcCode: -32000 });
    }
    if (error instanceof BodyTimeout) {
      throw new InvalidRequestError(`Request Timeout: the body did not arrive within ${limits.timeoutMs} ms`, { status: 408, jsonRpcCode: -32000 });
    }
    throw new InvalidRequestError('Parse error: the body could not be read', { jsonRpcCode: -32700, cause: error });
  }
  const contentType = request.headers.get('content-type') ?? undefined;
  if (isFormContentType(contentType) && new URLSearchParams(Buffer.from(bytes).toString('latin1')).has('access_token')) {
    throw new InvalidRequestError('access tokens are accepted only in the Authorization header, never in the request body');
  }
  return parseJsonRpcBody(bytes, { contentType, contentEncoding: request.headers.get('content-encoding') ?? undefined });
}
