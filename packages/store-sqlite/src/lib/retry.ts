import { setTimeout as sleep } from 'node:timers/promises';
import { SqliteBusyError } from '../errors.js';

const isBusy = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
};

export async function withBusyRetry<T>(retries: number, run: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!isBusy(error)) throw error;
      if (attempt >= retries) throw new SqliteBusyError(Date.now() - started, error);
      await sleep(25 * 2 ** attempt + Math.random() * 25);
    }
  }
}
