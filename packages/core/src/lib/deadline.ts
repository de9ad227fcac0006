/**
 * Time limits and abandonment for promises mcpgate does not control (a store call, an injected `fetch`):
 * the caller gets its answer on time even when the work ignores its signal.
 */

/**
 * Settles like `work()`, or rejects with `onTimeout()` after `timeoutMs`, whichever comes first (`work`
 * keeps running). A synchronous throw from `work` becomes a rejection.
 */
export function withTimeout<T>(timeoutMs: number, work: () => Promise<T>, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), timeoutMs);
    timer.unref?.();
    let running: Promise<T>;
    try {
      running = work();
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Runs `work` with a signal that aborts after `timeoutMs`, and rejects with `onTimeout()` at that moment,
 * even when `work` ignores the signal. A synchronous throw from `work` becomes a rejection.
 */
export function withDeadline<T>(timeoutMs: number, work: (signal: AbortSignal) => Promise<T>, onTimeout: () => Error): Promise<T> {
  const controller = new AbortController();
  return withTimeout(
    timeoutMs,
    () => work(controller.signal),
    () => {
      const error = onTimeout();
      controller.abort(error);
      return error;
    },
  );
}

/**
 * Settles like `work`, or rejects with `signal.reason` as soon as `signal` aborts, whichever comes first.
 * `work` itself keeps running (it may be shared with other callers).
 */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** True for the errors a timeout or an abort produces (`AbortSignal.timeout`, `AbortController.abort()`). */
export function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/** Resolves after `ms` milliseconds without keeping the process alive. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, ms).unref?.();
  });
}
