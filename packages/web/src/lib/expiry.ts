import { expiryDelay } from '@mcpgate/core/internal';

/**
 * `response` with a body that ends at `validUntil` (ms since the epoch): an SSE stream opened with a
 * token does not outlive it; the client reconnects with a fresh one. A response without a body is
 * returned as it is.
 */
export function endAtExpiry(response: Response, validUntil: number): Response {
  const source = response.body;
  if (source === null) return response;
  const reader = source.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const arm = (): void => {
        const delay = expiryDelay(validUntil);
        if (delay === 0) {
          reader.cancel('credentials expired').catch(() => undefined);
          controller.error(new Error('credentials expired'));
          return;
        }
        timer = setTimeout(arm, delay);
        (timer as { unref?: () => void }).unref?.();
      };
      arm();
    },
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          clearTimeout(timer);
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        clearTimeout(timer);
        controller.error(error);
      }
    },
    cancel(reason) {
      clearTimeout(timer);
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
