import { ServiceUnavailableError } from '@mcpgate/core';
import type { AuthorizationServerMetadata } from '../discovery.js';

/** How much older than its TTL the last good metadata may grow while refreshes keep failing. */
const STALE_FACTOR = 24;
/** Longest a failed discovery is remembered before the next attempt, in milliseconds. */
const FAILURE_BACKOFF_MS = 5_000;

/**
 * Issuer metadata with a TTL, fetched lazily, one request at a time. After the TTL it is fetched again;
 * while refreshes fail, the last good document keeps being served until it is `STALE_FACTOR` × TTL old.
 */
export class MetadataCache {
  readonly #load: () => Promise<AuthorizationServerMetadata>;
  readonly #ttlMs: number;
  #good: { metadata: AuthorizationServerMetadata; at: number } | undefined;
  #failure: { error: ServiceUnavailableError; at: number } | undefined;
  #pending: Promise<AuthorizationServerMetadata> | undefined;

  constructor(load: () => Promise<AuthorizationServerMetadata>, ttlMs: number) {
    this.#load = load;
    this.#ttlMs = ttlMs;
  }

  get(): Promise<AuthorizationServerMetadata> {
    const now = Date.now();
    if (this.#good !== undefined && now - this.#good.at < this.#ttlMs) return Promise.resolve(this.#good.metadata);
    if (this.#failure !== undefined && now - this.#failure.at < Math.min(FAILURE_BACKOFF_MS, this.#ttlMs)) {
      return this.#fallback(this.#failure.error, now);
    }
    this.#pending ??= this.#refresh().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #refresh(): Promise<AuthorizationServerMetadata> {
    try {
      const metadata = await this.#load();
      this.#good = { metadata, at: Date.now() };
      this.#failure = undefined;
      return metadata;
    } catch (cause) {
      const error =
        cause instanceof ServiceUnavailableError
          ? cause
          : new ServiceUnavailableError('authorization server discovery failed', { dependency: 'discovery', cause });
      this.#failure = { error, at: Date.now() };
      return this.#fallback(error, Date.now());
    }
  }

  #fallback(error: ServiceUnavailableError, now: number): Promise<AuthorizationServerMetadata> {
    if (this.#good !== undefined && now - this.#good.at < this.#ttlMs * STALE_FACTOR) return Promise.resolve(this.#good.metadata);
    return Promise.reject(error);
  }
}
