import type { Response } from 'express';

/** Longest single wait; longer lifetimes are reached in steps. Every request shares this one timer list. */
const STEP_MS = 60_000;

/**
 * Ends the response (destroys the connection: the stream's writer may still be writing) if it is still
 * open at `validUntil` (ms since the epoch), so an SSE stream does not outlive the token that opened it;
 * the client reconnects with a fresh token. Waits are whole seconds (at most a second late): Node keeps
 * one timer list per distinct delay, so shared delays keep arming this on every request cheap.
 */
export function endWhenCredentialsExpire(res: Response, validUntil: number): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    const left = validUntil - Date.now();
    if (left <= 0) {
      res.destroy();
      return;
    }
    timer = setTimeout(arm, left > STEP_MS ? STEP_MS : Math.ceil(left / 1000) * 1000);
    timer.unref();
  };
  arm();
  res.once('close', () => clearTimeout(timer));
}
