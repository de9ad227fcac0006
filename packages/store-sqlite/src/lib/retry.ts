import { setTimeout as sleep } from 'node:timers/promises';
import { SqliteBusyError } from '../errors.js';

/**
 * How long SQLite itself may wait for a lock, in milliseconds. Kept tiny: while a statement waits inside
 * sqlite3, the connection's mutex is held and the main thread can block on it (statement finalisation),
 * so longer waits happen here, asynchronously.
 */
export const NATIVE_BUSY_TIMEOUT_MS = 10;

const isBusy = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
};

/**
 * Runs `run`, retrying on `SQLITE_BUSY` with jittered backoff (25 ms doubling to 200 ms) until `budgetMs` have
 * passed since `started` (epoch milliseconds; default now).
 */
export async function withBusyRetry<T>(budgetMs: number, run: () => Promise<T>, started = Date.now()): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!isBusy(error)) throw error;
      const waited = Date.now() - started;
      if (waited >= budgetMs) throw new SqliteBusyError(waited, error);
      await sleep(Math.min(Math.min(25 * 2 ** attempt, 200) + Math.random() * 25, budgetMs - waited));
    }
  }
}
