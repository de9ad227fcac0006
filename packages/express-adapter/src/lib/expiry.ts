import type { Response } from 'express';

/** setTimeout's largest delay (about 24.8 days); longer delays are reached in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Ends the response (destroys the connection: the stream's writer may still be writing) if it is still
 * open at `validUntil` (ms since the epoch), so an SSE stream does not outlive the token that opened it.
 * The client reconnects with a fresh token.
 */
export function endWhenCredentialsExpire(res: Response, validUntil: number): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    const left = validUntil - Date.now();
    if (left <= 0) {
      res.destroy();
      return;
    }
    timer = setTimeout(arm, Math.min(left, MAX_DELAY_MS));
    timer.unref();
  };
  arm();
  res.once('close', () => clearTimeout(timer));
}
