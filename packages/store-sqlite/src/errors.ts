/** A statement could not take the SQLite write lock within the busy timeout and its retries. */
export class SqliteBusyError extends Error {
  readonly code = 'SQLITE_BUSY';
  /** Milliseconds spent waiting before giving up. */
  readonly waitedMs: number;

  constructor(waitedMs: number, cause: unknown) {
    super(`sqlite store: database is locked by another writer (SQLITE_BUSY), gave up after ${waitedMs} ms`, { cause });
    this.name = new.target.name;
    this.waitedMs = waitedMs;
  }
}
