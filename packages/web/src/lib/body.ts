import { assertPlainJson, InvalidRequestError, parseJsonRpcBody } from '@mcpgate/core';
import { isFormContentType, readBoundedBytes, ResponseTooLargeError, withDeadline } from '@mcpgate/core/internal';

export interface BodyLimits {
  /** Largest body read, in bytes. */
  readonly limitBytes: number;
  /** Longest the whole body may take to arrive, in milliseconds. */
  readonly timeoutMs: number;
}


const tokenInBody = (): InvalidRequestError => new InvalidRequestError('access tokens are accepted only in the Authorization header, never in the request body');

/**
 * A body a framework already parsed: plain JSON only (`assertPlainJson`), and, as for a body read here, a
 * form body carrying `access_token` is refused.
 *
 * @throws InvalidRequestError (400).
 */
export function checkParsedBody(request: Request, given: unknown): void {
  if (isFormContentType(request.headers.get('content-type') ?? undefined) && typeof given === 'object' && given !== null && Object.hasOwn(given, 'access_token')) {
    throw tokenInBody();
  }
  assertPlainJson(given);
}

class BodyTimeout extends Error {}
class LengthMismatch extends Error {
  constructor(readonly longer: boolean) {
    super('the body does not match its Content-Length');
  }
}

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
          ? request.arrayBuffer().then((buffer) => {
              // the header is trusted for the size only when the bytes agree with it (a Request built by
              // application code, or a runtime that forwards the header, need not hold the body to it)
              if (buffer.byteLength !== Number(declared)) throw new LengthMismatch(buffer.byteLength > Number(declared));
              return new Uint8Array(buffer);
            })
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
    if (error instanceof LengthMismatch) {
      throw error.longer
        ? new InvalidRequestError('Payload Too Large: the body is longer than its Content-Length', { status: 413, jsonRpcCode: -32000 })
        : new InvalidRequestError('Parse error: the body is shorter than its Content-Length', { jsonRpcCode: -32700 });
    }
    throw new InvalidRequestError('Parse error: the body could not be read', { jsonRpcCode: -32700, cause: error });
  }
  const contentType = request.headers.get('content-type') ?? undefined;
  if (isFormContentType(contentType) && new URLSearchParams(Buffer.from(bytes).toString('latin1')).has('access_token')) throw tokenInBody();
  return parseJsonRpcBody(bytes, { contentType, contentEncoding: request.headers.get('content-encoding') ?? undefined });
}
