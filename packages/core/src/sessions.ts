import { SessionNotFoundError } from './errors.js';
import { sha256 } from './lib/hash.js';
import type { Principal, Store } from './types.js';

interface Binding {
  [key: string]: string;
  iss: string;
  sub: string;
}

/**
 * Binds MCP session ids to the identity (issuer + subject) that created them. Stores identity, never
 * token bytes, so a binding survives token refresh; stores a hash (HMAC when a key is configured) of the session id, never the id.
 */
export class SessionBindings {
  readonly #store: Store;
  readonly #ttlMs: number;
  readonly #hash: (sessionId: string) => string;

  /** `hash` turns a session id into its lookup key (default SHA-256; mcpgate uses an HMAC when it has a key). */
  constructor(store: Store, ttlMs: number, hash: (sessionId: string) => string = sha256) {
    this.#store = store;
    this.#ttlMs = ttlMs;
    this.#hash = hash;
  }

  #key(sessionId: string): string {
    return `session:${this.#hash(sessionId)}`;
  }

  /** Records that `sessionId` belongs to `principal`. */
  async bind(sessionId: string, principal: Principal): Promise<void> {
    const binding: Binding = { iss: principal.issuer, sub: principal.subject };
    await this.#store.set(this.#key(sessionId), binding, this.#ttlMs);
  }

  /** @throws SessionNotFoundError unless `sessionId` is bound to `principal`'s identity. */
  async assert(sessionId: string, principal: Principal): Promise<void> {
    const binding = await this.#store.get<Binding>(this.#key(sessionId));
    if (binding === undefined || binding.iss !== principal.issuer || binding.sub !== principal.subject) {
      throw new SessionNotFoundError('session not found');
    }
  }

  /** Forgets `sessionId` (after a DELETE). */
  async unbind(sessionId: string): Promise<void> {
    await this.#store.delete(this.#key(sessionId));
  }
}
