import type { ServerResponse } from 'node:http';

/** How often open responses are looked at, in milliseconds: a response ends at most this late. */
const SWEEP_MS = 1_000;
/** Responses still open, with when their credentials stop being acceptable (ms since the epoch). */
const open = new Map<ServerResponse, number>();
let sweeper: ReturnType<typeof setInterval> | undefined;

function sweep(): void {
  const now = Date.now();
  for (const [res, validUntil] of open) {
    if (res.writableEnded || res.destroyed) open.delete(res);
    else if (validUntil <= now) {
      open.delete(res);
      res.destroy(); // the stream's writer may still be writing: end the connection, not just the response
    }
  }
  if (open.size === 0) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

/**
 * Ends the response if it is still open at `validUntil` (ms since the epoch; at most a second late), so an
 * SSE stream does not outlive the token that opened it; the client reconnects with a fresh token. One
 * shared timer looks at every open response once a second: registering a response costs a map insert, no
 * timer and no listener of its own (most responses end within milliseconds, and the sweep forgets them).
 */
export function endWhenCredentialsExpire(res: ServerResponse, validUntil: number): void {
  if (validUntil <= Date.now()) {
    res.destroy();
    return;
  }
  open.set(res, validUntil);
  if (sweeper === undefined) {
    sweeper = setInterval(sweep, SWEEP_MS);
    sweeper.unref();
  }
}
