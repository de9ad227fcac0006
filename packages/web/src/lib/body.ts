import { InvalidRequestError, parseJsonRpcBody } from '@mcpgate/core';
import { isFormContentType, readBoundedBytes, ResponseTooLargeError, withDeadline } from '@mcpgate/core/internal';

export interface BodyLimits {
  /** Largest body read, in bytes. */
  readonly limitBytes: number;
  /** Longest the whole body may take to arrive, in milliseconds. */
  readonly timeoutMs: number;
}

/** A request body read and parsed once: the bytes (handed on) and the object (checked and dispatched). */
export interface ReadBody {
  readonly bytes: Uint8Array;
  readonly parsed: unknown;
}

class BodyTimeout extends Error {}

/**
 * Reads a request's JSON-RPC body within `limits` and parses it exactly as the MCP SDK does
 * (`parseJsonRpcBody`: UTF-8, one byte-order mark dropped, `JSON.parse`, prototype-poisoning keys,
 * compression and other charsets refused). A form body carrying `access_token` is refused (RFC 6750 §2.2
 * is never accepted).
 *
 * @throws InvalidRequestError: 400 / 408 / 413 / 415.
 */
export async function readJsonRpcBody(request: Request, limits: BodyLimits): Promise<ReadBody> {
  let bytes: Uint8Array;
  try {
    bytes = await withDeadline(
      limits.timeoutMs,
      (signal) => readBoundedBytes(request.body, request.headers.get('content-length'), limits.limitBytes, signal),
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
  const parsed = parseJsonRpcBody(bytes, { contentType, contentEncoding: request.headers.get('content-encoding') ?? undefined });
  return { bytes, parsed };
}
