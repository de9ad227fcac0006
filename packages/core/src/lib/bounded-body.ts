/** Largest answer mcpgate reads from an authorization server unless told otherwise, in bytes (64 KiB). */
export const DEFAULT_MAX_RESPONSE_BYTES = 65_536;

/** A response body was larger than allowed: an authorization-server fault, never the token's. */
export class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';
  readonly code = 'ERR_RESPONSE_TOO_LARGE';
  /** The limit that was passed, in bytes. */
  readonly limit: number;

  constructor(limit: number) {
    super(`response body is larger than ${limit} bytes`);
    this.limit = limit;
  }
}

/**
 * Reads a response body as UTF-8 text, at most `maxBytes` bytes of it. A `Content-Length` over the limit
 * is refused before reading; a body that grows past it (or never ends) is cancelled as soon as it does,
 * and so is a body still being read when `signal` aborts.
 *
 * @throws ResponseTooLargeError past the limit; `signal.reason` when aborted.
 */
export async function readBoundedText(response: Response, maxBytes: number, signal?: AbortSignal): Promise<string> {
  const bytes = await readBoundedBytes(response.body, response.headers.get('content-length'), maxBytes, signal);
  return new TextDecoder().decode(bytes);
}

/**
 * Reads a body stream (of a `Response` or a `Request`), at most `maxBytes` bytes. A declared length over
 * the limit is refused before reading; a stream that grows past it, or is still being read when `signal`
 * aborts, is cancelled at once.
 *
 * @throws ResponseTooLargeError past the limit; `signal.reason` when aborted.
 */
export async function readBoundedBytes(
  body: ReadableStream<Uint8Array> | null,
  declaredLength: string | null,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  if (Number(declaredLength ?? Number.NaN) > maxBytes) {
    await body?.cancel().catch(() => undefined);
    throw new ResponseTooLargeError(maxBytes);
  }
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const stop = (): void => void reader.cancel(signal?.reason).catch(() => undefined);
  signal?.addEventListener('abort', stop, { once: true });
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      if (signal?.aborted) break;
      const { done, value } = await reader.read();
      if (signal?.aborted) break;
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new ResponseTooLargeError(maxBytes);
      }
      chunks.push(value);
    }
  } finally {
    signal?.removeEventListener('abort', stop);
  }
  if (signal?.aborted) {
    stop();
    throw signal.reason;
  }
  return Buffer.concat(chunks, total);
}
