import { expiryDelay } from '@mcpgate/core/internal';
import type { Response } from 'express';

/**
 * Ends the response (destroys the connection: the stream's writer may still be writing) if it is still
 * open at `validUntil` (ms since the epoch), so an SSE stream does not outlive the token that opened it;
 * the client reconnects with a fresh token. Waits are whole seconds (at most a second late): Node keeps
 * one timer list per distinct delay, so shared delays keep arming this on every request cheap.
 */
export function endWhenCredentialsExpire(res: Response, validUntil: number): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    const delay = expiryDelay(validUntil);
    if (delay === 0) {
      res.destroy();
      return;
    }
    timer = setTimeout(arm, delay);
    timer.unref();
  };
  arm();
  res.once('close', () => clearTimeout(timer));
}
