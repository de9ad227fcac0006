import { SessionNotFoundError } from './errors.js';
import { BoundedMap } from './lib/bounded-map.js';
import { sha256 } from './lib/hash.js';
import type { Principal, Store } from './types.js';

interface Binding {
  [key: string]: string;
  iss: string;
  sub: string;
}

interface Known {
  readonly iss: string;
  readonly sub: string;
  readonly until: number;
}

/** How long a binding read from the store is trusted in-process before it is read again, in ms. */
const LOCAL_TTL_MS = 30_000;

/**
 * Binds MCP session ids to the identity (issuer + subject) that created them. Stores identity, never
 * token bytes, so a binding survives token refresh; stores a hash (HMAC when a key is configured) of the
 * session id, never the id.
 *
 * A session's owner never changes, so bindings seen by this process are also kept in a small in-process
 * map for a short time: a request on a known session costs no store round trip. An unbind on another
 * instance is seen here within that time; it only ever makes a session unusable, never usable by
 * someone else.
 */
export class SessionBindings {
  readonly #store: Store;
  readonly #ttlMs: number;
  readonly #hash: (sessionId: string) => string;
  readonly #known = new BoundedMap<string, Known>(10_000);

  /** `hash` turns a session id into its lookup key (default SHA-256; mcpgate uses an HMAC when it has a key). */
  constructor(store: Store, ttlMs: number, hash: (sessionId: string) => string = sha256) {
    this.#store = store;
    this.#ttlMs = ttlMs;
    this.#hash = hash;
  }

  #key(sessionId: string): string {
    return `session:${this.#hash(sessionId)}`;
  }

  #remember(sessionId: string, iss: string, sub: string): void {
    this.#known.set(sessionId, { iss, sub, until: Date.now() + Math.min(LOCAL_TTL_MS, this.#ttlMs) });
  }

  /** Records that `sessionId` belongs to `principal`. */
  async bind(sessionId: string, principal: Principal): Promise<void> {
    const binding: Binding = { iss: principal.issuer, sub: principal.subject };
    await this.#store.set(this.#key(sessionId), binding, this.#ttlMs);
    this.#remember(sessionId, binding.iss, binding.sub);
  }

  /** @throws SessionNotFoundError unless `sessionId` is bound to `principal`'s identity. */
  async assert(sessionId: string, principal: Principal): Promise<void> {
    const known = this.#known.get(sessionId);
    if (known !== undefined && known.until > Date.now()) {
      if (known.iss === principal.issuer && known.sub === principal.subject) return;
      throw new SessionNotFoundError('session not found');
    }
    const binding = await this.#store.get<Binding>(this.#key(sessionId));
    if (binding === undefined) {
      this.#known.delete(sessionId);
      throw new SessionNotFoundError('session not found');
    }
    this.#remember(sessionId, binding.iss, binding.sub);
    if (binding.iss !== principal.issuer || binding.sub !== principal.subject) {
      throw new SessionNotFoundError('session not found');
    }
  }

  /** Forgets `sessionId` (after a DELETE). */
  async unbind(sessionId: string): Promise<void> {
    this.#known.delete(sessionId);
    await this.#store.delete(this.#key(sessionId));
  }
}
