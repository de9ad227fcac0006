/** A Redis call did not settle within `commandTimeoutMs`. */
export class RedisTimeoutError extends Error {
  readonly code = 'REDIS_TIMEOUT';
  /** The operation that timed out, e.g. `get`. */
  readonly operation: string;
  /** The limit that was exceeded, in milliseconds. */
  readonly timeoutMs: number;

  constructor(operation: string, timeoutMs: number) {
    super(`redis store: ${operation} did not complete within ${timeoutMs} ms`);
    this.name = new.target.name;
    this.operation = operation;
    this.timeoutMs = timeoutMs;
  }
}
