import type { Request } from 'express';

export class BodyTooLargeError extends Error {}

/**
 * Reads a POST body no parser has read yet, so the JSON-RPC body can be inspected for tool names.
 * Leaves it as `req.rawBody`, which the SDK transport (through @hono/node-server) reads instead of the
 * consumed stream, and as `req.body` when it is JSON.
 */
export async function readJsonBody(req: Request, limitBytes: number): Promise<unknown> {
  if (req.body !== undefined || req.readableEnded) return req.body as unknown;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new BodyTooLargeError(`request body larger than ${limitBytes} bytes`);
    chunks.push(chunk);
  }
  const raw = Buffer.concat(chunks);
  (req as Request & { rawBody?: Buffer }).rawBody = raw;
  try {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    return parsed;
  } catch {
    return undefined;
  }
}
