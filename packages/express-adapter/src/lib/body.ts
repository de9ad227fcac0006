import { assertPlainJson, InvalidRequestError, parseJsonRpcBody } from '@mcpgate/core';
import { isFormContentType } from '@mcpgate/core/internal';
import type { Request } from 'express';

export interface BodyLimits {
  /** Largest body read, in bytes. */
  readonly limitBytes: number;
  /** Longest the whole body may take to arrive, in milliseconds. */
  readonly timeoutMs: number;
}

type WithRawBody = Request & { rawBody?: Buffer };

/** The bytes this adapter read from the stream itself, per request (a parser's `rawBody` is not trusted to be what it parsed). */
const readHere = new WeakMap<Request, Buffer>();

const tooLarge = (limit: number): InvalidRequestError =>
  new InvalidRequestError(`Payload Too Large: the body must not exceed ${limit} bytes`, { status: 413, jsonRpcCode: -32000 });
const tokenInBody = (): InvalidRequestError =>
  new InvalidRequestError('access tokens are accepted only in the Authorization header, never in the request body');

const isForm = (req: Request): boolean => isFormContentType(req.headers['content-type']);

/**
 * The JSON-RPC body of a POST, read and parsed once, exactly as the transport will see it:
 * - when a body parser already consumed the stream, its result is checked with the same rules
 *   (`assertPlainJson`; a Buffer or string is parsed here);
 * - otherwise the stream is read here, within `limitBytes` and `timeoutMs`, parsed with
 *   `parseJsonRpcBody`, and left as `req.body` and `req.rawBody` (the bytes, which the SDK's Node layer
 *   reads when it is not handed the parsed body).
 *
 * @throws InvalidRequestError: 400 / 408 / 413 / 415.
 */
export async function readJsonRpcBody(req: Request, limits: BodyLimits): Promise<unknown> {
  if (req.readableEnded || (req as WithRawBody).rawBody instanceof Buffer) return checkParsed(req);
  const length = Number(req.headers['content-length']);
  if (length > limits.limitBytes) throw tooLarge(limits.limitBytes);
  const bytes = readBuffered(req, limits) ?? (await readStream(req, limits));
  (req as WithRawBody).rawBody = bytes;
  readHere.set(req, bytes);
  if (isForm(req) && new URLSearchParams(bytes.toString('latin1')).has('access_token')) throw tokenInBody();
  const body = parseJsonRpcBody(bytes, { contentType: req.headers['content-type'], contentEncoding: req.headers['content-encoding'] });
  req.body = body;
  return body;
}

function checkParsed(req: Request): unknown {
  const given: unknown = req.body;
  const raw = (req as WithRawBody).rawBody;
  if (given instanceof Buffer || (given === undefined && raw instanceof Buffer)) {
    return parseJsonRpcBody(given instanceof Buffer ? given : (raw as Buffer), { contentType: req.headers['content-type'] });
  }
  if (typeof given === 'string') return parseJsonRpcBody(Buffer.from(given, 'utf8'), { contentType: req.headers['content-type'] });
  if (isForm(req) && typeof given === 'object' && given !== null && Object.hasOwn(given, 'access_token')) throw tokenInBody();
  assertPlainJson(given);
  return given;
}

/**
 * The body, when it has already arrived whole (a small body comes in the same packets as the headers,
 * and is buffered while authentication runs): read synchronously from the stream's buffer, without
 * listeners or a timer. Undefined when it has not (then it is read from the stream).
 *
 * Whole means `req.complete`, or every byte of a declared `Content-Length` (no `Transfer-Encoding`)
 * already in the stream's buffer: Node buffers a small body before the handler's promises settle but
 * marks the message complete only on a later turn of the event loop, so without the second test every
 * POST would take the stream path (a promise, five listeners and a timer per request).
 */
function readBuffered(req: Request, limits: BodyLimits): Buffer | undefined {
  if (req.readableFlowing === true || req.readableEncoding !== null) return undefined;
  const declared = req.headers['content-length'];
  const whole = req.complete || (declared !== undefined && !hasTransferEncoding(req) && req.readableLength === Number(declared));
  if (!whole) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for (let chunk = req.read() as Buffer | null; chunk !== null; chunk = req.read() as Buffer | null) {
    size += chunk.length;
    if (size > limits.limitBytes) throw tooLarge(limits.limitBytes);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
}

/** Any `Transfer-Encoding`, also as a lenient parser (`insecureHTTPParser`) names it, with spaces kept. */
function hasTransferEncoding(req: Request): boolean {
  for (const name in req.headers) if (name.trim() === 'transfer-encoding') return true;
  return false;
}

/**
 * Whether the request's whole body has been taken off the connection: Node says so (`complete`), or this
 * adapter read it. An answer sent before then closes the connection (the rest of the body is not drained);
 * after, the connection stays open for the requests a client pipelined behind this one.
 */
export function bodyTaken(req: Request): boolean {
  return req.complete || readHere.has(req);
}

function readStream(req: Request, limits: BodyLimits): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error: Error | undefined): void => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      req.off('close', onClose);
      if (error === undefined) resolve(Buffer.concat(chunks, size));
      else {
        req.pause();
        reject(error);
      }
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limits.limitBytes) finish(tooLarge(limits.limitBytes));
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish(undefined);
    const onError = (): void => finish(new InvalidRequestError('Parse error: the body could not be read', { jsonRpcCode: -32700 }));
    const onAborted = onError;
    const onClose = (): void => {
      if (!req.readableEnded) onError();
    };
    const timer = setTimeout(
      () => finish(new InvalidRequestError(`Request Timeout: the body did not arrive within ${limits.timeoutMs} ms`, { status: 408, jsonRpcCode: -32000 })),
      limits.timeoutMs,
    );
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
    req.on('close', onClose);
  });
}

/**
 * Leaves the checked body where every MCP SDK looks for it: `req.body` (the object itself, for
 * `transport.handleRequest(req, res, req.body)`), `req.rawBody` (SDK 1.x's Node layer) and the request
 * stream (SDK 2.x `toNodeHandler` iterates it): the bytes read here, or, when a body parser consumed the
 * stream, the JSON serialisation of its checked result (which parses back to the same object).
 */
export function replayBody(req: Request, body: unknown): void {
  req.body = body;
  const read = readHere.get(req);
  const bytes = read ?? Buffer.from(JSON.stringify(body) ?? '', 'utf8');
  (req as WithRawBody).rawBody = bytes;
  replayed.set(req, bytes);
  (req as unknown as { [Symbol.asyncIterator]: typeof replay })[Symbol.asyncIterator] = replay;
  if (read === undefined || req.headers['transfer-encoding'] !== undefined) {
    req.headers['content-length'] = String(bytes.length);
    delete req.headers['transfer-encoding'];
  }
}

/** The bytes each request replays to a second reader of its stream. */
const replayed = new WeakMap<Request, Buffer>();

/** The request's async iterator after the adapter read it: its body, once more (one shared function, no closure per request). */
async function* replay(this: Request): AsyncGenerator<Buffer> {
  const bytes = replayed.get(this);
  if (bytes !== undefined && bytes.length > 0) yield bytes;
}
