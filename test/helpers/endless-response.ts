/** How much an endless body has produced, and whether its reader gave up on it. */
export interface Meter {
  bytes: number;
  cancelled: boolean;
}

/** A 200 answer whose body never ends (JSON whitespace, 16 KiB every millisecond). */
export function endless(meter: Meter, chunk = 16_384): Response {
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      meter.bytes += chunk;
      controller.enqueue(new Uint8Array(chunk).fill(0x20));
    },
    cancel() {
      meter.cancelled = true;
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
}

/** Settles like `promise`, or rejects after `ms` (a reader without a size limit reads an endless body forever). */
export function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`still reading after ${ms} ms`)), ms))]);
}
