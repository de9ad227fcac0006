import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

/** Limits on the example's live MCP sessions. */
export interface SessionLimits {
  /** A session unused this long is closed and forgotten, in milliseconds. Default one hour. */
  readonly idleTimeoutMs?: number;
  /** Most live sessions one user (issuer + subject) may hold; opening one more closes their least recently used. Default 10. */
  readonly maxPerUser?: number;
  /** Most live sessions in all; past it the least recently used session of anyone is closed. Default 10,000. */
  readonly maxTotal?: number;
}

interface Live {
  readonly transport: StreamableHTTPServerTransport;
  readonly owner: string;
  lastUsed: number;
}

/**
 * The example's live sessions: each transport with its owner and last use. Memory stays bounded under a
 * session flood (a cap per user and in all, least recently used closed first), and sessions idle past
 * `idleTimeoutMs` are closed, which frees the transport and the MCP server behind it.
 */
export class SessionRegistry {
  readonly #live = new Map<string, Live>();
  readonly #idleTimeoutMs: number;
  readonly #maxPerUser: number;
  readonly #maxTotal: number;
  readonly #sweeper: ReturnType<typeof setInterval>;

  readonly #onEvicted: (sessionId: string) => void;

  /** `onEvicted` is told of each session closed for idleness or a cap (not of those closed by `close()` at shutdown). */
  constructor(limits: SessionLimits = {}, onEvicted: (sessionId: string) => void = () => undefined) {
    this.#onEvicted = onEvicted;
    this.#idleTimeoutMs = limits.idleTimeoutMs ?? 3_600_000;
    this.#maxPerUser = limits.maxPerUser ?? 10;
    this.#maxTotal = limits.maxTotal ?? 10_000;
    for (const [name, value] of Object.entries({ idleTimeoutMs: this.#idleTimeoutMs, maxPerUser: this.#maxPerUser, maxTotal: this.#maxTotal })) {
      if (!Number.isInteger(value) || value <= 0) throw new TypeError(`sessions.${name} must be a positive integer`);
    }
    this.#sweeper = setInterval(() => this.#closeIdle(), Math.min(60_000, Math.max(250, Math.floor(this.#idleTimeoutMs / 4))));
    this.#sweeper.unref();
  }

  get size(): number {
    return this.#live.size;
  }

  /** The transport of a live session, marked as used now. */
  use(sessionId: string): StreamableHTTPServerTransport | undefined {
    const live = this.#live.get(sessionId);
    if (live === undefined) return undefined;
    live.lastUsed = Date.now();
    return live.transport;
  }

  /** Registers a session just initialized by `owner`, closing that owner's (or anyone's) least recently used past the caps. */
  add(sessionId: string, transport: StreamableHTTPServerTransport, owner: string): void {
    this.#live.set(sessionId, { transport, owner, lastUsed: Date.now() });
    const mine = [...this.#live.entries()].filter(([, live]) => live.owner === owner);
    if (mine.length > this.#maxPerUser) this.#closeLeastRecent(mine, mine.length - this.#maxPerUser, sessionId);
    if (this.#live.size > this.#maxTotal) this.#closeLeastRecent([...this.#live.entries()], this.#live.size - this.#maxTotal, sessionId);
  }

  /** Forgets a session (its transport closed). */
  delete(sessionId: string): void {
    this.#live.delete(sessionId);
  }

  /** Closes every session and stops the sweeper (shutdown: their bindings stay in the store). */
  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    const all = [...this.#live.values()];
    this.#live.clear();
    await Promise.all(all.map((live) => live.transport.close()));
  }

  #closeLeastRecent(entries: Array<[string, Live]>, count: number, keep: string): void {
    const victims = entries.filter(([id]) => id !== keep).sort((a, b) => a[1].lastUsed - b[1].lastUsed).slice(0, count);
    for (const [id, live] of victims) this.#closeOne(id, live);
  }

  #closeIdle(): void {
    const cutoff = Date.now() - this.#idleTimeoutMs;
    for (const [id, live] of this.#live) if (live.lastUsed <= cutoff) this.#closeOne(id, live);
  }

  #closeOne(id: string, live: Live): void {
    this.#live.delete(id);
    live.transport.close().catch(() => undefined);
    this.#onEvicted(id);
  }
}
