import type { Sealer } from './encryption.js';
import { SessionNotFoundError } from './errors.js';
import { BoundedMap } from './lib/bounded-map.js';
import { sha256 } from './lib/hash.js';
import type { JsonValue, Principal, Store } from './types.js';

interface Binding {
  readonly iss: string;
  readonly sub: string;
  /** When the binding was last written, in milliseconds since the epoch. */
  readonly at: number;
}

interface Known {
  readonly iss: string;
  readonly sub: string;
  readonly until: number;
}

/** Options of {@link SessionBindings}. */
export interface SessionBindingsOptions {
  /** Idle lifetime of a binding, in milliseconds: it expires this long after its last use. */
  readonly ttlMs: number;
  /** Seals bindings and derives their lookup keys (HMAC); without it, lookup keys are SHA-256 and values plain. */
  readonly sealer?: Sealer | undefined;
  /** Told when renewing a binding fails (no session ids, no token bytes). */
  readonly warn?: ((message: string) => void) | undefined;
  /** Most sessions one principal keeps bound through this instance; binding one more unbinds its least recently used. Default: no limit. */
  readonly maxPerPrincipal?: number | undefined;
}

/** Longest a binding read from the store is trusted in-process before it is read again, in ms. */
const LOCAL_TTL_MS = 30_000;
/** Longest a binding in use goes without being rewritten (its idle lifetime renewed), in ms. */
const RENEW_EVERY_MS = 5 * 60_000;

/**
 * Binds MCP session ids to the identity (issuer + subject) that created them. Stores identity, never
 * token bytes, so a binding survives token refresh; stores a keyed hash of the session id, never the id;
 * seals the value, bound to its store key, so a binding written into the store by anyone without the key
 * does not open.
 *
 * The lifetime is idle time: a binding in use is rewritten (renewed) after it has been read from the
 * store and is older than a quarter of its lifetime (at most 5 minutes).
 *
 * A session's owner never changes, so bindings seen by this process are also kept in a small in-process
 * map for a short time: a request on a known session costs no store round trip. An unbind on another
 * instance is seen here within that time; it only ever makes a session unusable, never usable by
 * someone else.
 *
 * Lookup keys survive key rotation: a binding written under an older key is found under that key's
 * lookup key and moved to the current one.
 */
export class SessionBindings {
  readonly #store: Store;
  readonly #ttlMs: number;
  readonly #sealer: Sealer | undefined;
  readonly #warn: (message: string) => void;
  readonly #localTtlMs: number;
  readonly #renewAfterMs: number;
  readonly #known = new BoundedMap<string, Known>(10_000);
  readonly #maxPerPrincipal: number;
  /** Per principal, the sessions bound here, least recently used first (a Set keeps insertion order). */
  readonly #owned = new Map<string, Set<string>>();
  /** The principal each of those sessions belongs to. */
  readonly #ownerOf = new Map<string, string>();

  constructor(store: Store, options: SessionBindingsOptions) {
    this.#store = store;
    this.#ttlMs = options.ttlMs;
    this.#sealer = options.sealer;
    this.#warn = options.warn ?? (() => undefined);
    this.#localTtlMs = Math.min(LOCAL_TTL_MS, this.#ttlMs / 4);
    this.#renewAfterMs = Math.min(RENEW_EVERY_MS, this.#ttlMs / 4);
    this.#maxPerPrincipal = options.maxPerPrincipal ?? Infinity;
  }

  #keys(sessionId: string): string[] {
    const hashes = this.#sealer === undefined ? [sha256(sessionId)] : this.#sealer.lookupKeys(sessionId);
    return hashes.map((hash) => `session:${hash}`);
  }

  #remember(sessionId: string, binding: { iss: string; sub: string }): void {
    this.#known.set(sessionId, { iss: binding.iss, sub: binding.sub, until: Date.now() + this.#localTtlMs });
  }

  #write(key: string, principal: { iss: string; sub: string }): Promise<void> {
    const binding = { iss: principal.iss, sub: principal.sub, at: Date.now() };
    return this.#store.set(key, this.#sealer === undefined ? binding : this.#sealer.seal(binding, key), this.#ttlMs);
  }

  #open(raw: JsonValue, key: string): Binding | undefined {
    let value: unknown = raw;
    if (this.#sealer !== undefined) {
      try {
        value = this.#sealer.open(raw, key);
      } catch {
        return undefined;
      }
    }
    const v = value as Partial<Binding> | null;
    if (typeof v !== 'object' || v === null || typeof v.iss !== 'string' || typeof v.sub !== 'string' || typeof v.at !== 'number') return undefined;
    return { iss: v.iss, sub: v.sub, at: v.at };
  }

  /**
   * Records that `sessionId` belongs to `principal`. Past `maxPerPrincipal`, unbinds the principal's least
   * recently used sessions and resolves with the ids of the bindings that removed.
   */
  async bind(sessionId: string, principal: Principal): Promise<string[]> {
    const identity = { iss: principal.issuer, sub: principal.subject };
    await this.#write(this.#keys(sessionId)[0] as string, identity);
    this.#remember(sessionId, identity);
    if (this.#maxPerPrincipal === Infinity) return [];
    const owner = `${identity.iss}\n${identity.sub}`;
    let sessions = this.#owned.get(owner);
    if (sessions === undefined) this.#owned.set(owner, (sessions = new Set()));
    sessions.add(sessionId);
    this.#ownerOf.set(sessionId, owner);
    const evicted: string[] = [];
    for (const oldest of sessions) {
      if (sessions.size - evicted.length <= this.#maxPerPrincipal) break;
      evicted.push(oldest);
    }
    const removed: string[] = [];
    for (const id of evicted) if (await this.unbind(id)) removed.push(id);
    return removed;
  }

  /** Marks a session bound here as just used (it is unbound last when its principal has too many). */
  #touch(sessionId: string): void {
    const owner = this.#ownerOf.get(sessionId);
    const sessions = owner === undefined ? undefined : this.#owned.get(owner);
    if (sessions === undefined) return;
    sessions.delete(sessionId);
    sessions.add(sessionId);
  }

  /** @throws SessionNotFoundError unless `sessionId` is bound to `principal`'s identity. */
  async assert(sessionId: string, principal: Principal): Promise<void> {
    const known = this.#known.get(sessionId);
    if (known !== undefined && known.until > Date.now()) {
      if (known.iss !== principal.issuer || known.sub !== principal.subject) throw new SessionNotFoundError('session not found');
      this.#touch(sessionId);
      return;
    }
    const found = await this.#read(sessionId);
    if (found === undefined) {
      this.#known.delete(sessionId);
      throw new SessionNotFoundError('session not found');
    }
    this.#remember(sessionId, found.binding);
    if (found.binding.iss !== principal.issuer || found.binding.sub !== principal.subject) {
      throw new SessionNotFoundError('session not found');
    }
    this.#touch(sessionId);
    if (found.index > 0 || Date.now() - found.binding.at >= this.#renewAfterMs) this.#renew(found.keys, found.index, found.binding);
  }

  async #read(sessionId: string): Promise<{ binding: Binding; keys: string[]; index: number } | undefined> {
    const keys = this.#keys(sessionId);
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index] as string;
      const raw = await this.#store.get(key);
      if (raw === undefined) continue;
      const binding = this.#open(raw, key);
      return binding === undefined ? undefined : { binding, keys, index };
    }
    return undefined;
  }

  #renew(keys: string[], index: number, binding: Binding): void {
    const moved = index > 0 ? this.#store.delete(keys[index] as string) : Promise.resolve(true);
    Promise.all([this.#write(keys[0] as string, binding), moved]).catch((error: unknown) => {
      this.#warn(`[mcpgate] renewing a session binding failed (${error instanceof Error ? error.name : 'error'}); it expires on its old schedule`);
    });
  }

  /** Forgets `sessionId` (after a DELETE, or when the session is closed). Resolves true when a binding was removed. */
  async unbind(sessionId: string): Promise<boolean> {
    this.#known.delete(sessionId);
    const owner = this.#ownerOf.get(sessionId);
    if (owner !== undefined) {
      this.#ownerOf.delete(sessionId);
      const sessions = this.#owned.get(owner);
      sessions?.delete(sessionId);
      if (sessions?.size === 0) this.#owned.delete(owner);
    }
    const removed = await Promise.all(this.#keys(sessionId).map((key) => this.#store.delete(key)));
    return removed.includes(true);
  }
}
