import type { JsonValue, Store } from '@mcpgate/core';

/** What is cached per token hash: the answer's claims (never the token), and when it was obtained (seconds). */
export type Verdict = { readonly active: false } | { readonly active: true; readonly at: number; readonly claims: Readonly<Record<string, JsonValue>> };

const PREFIX = 'mcpgate:v1:introspection:';

function isVerdict(value: unknown): value is Verdict {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (v['active'] === false) return true;
  return v['active'] === true && typeof v['at'] === 'number' && typeof v['claims'] === 'object' && v['claims'] !== null;
}

/**
 * The introspection answers kept in a core {@link Store}. A failing or slow store never fails a request:
 * reads fall through to introspection and writes are dropped, with one warning per kind of failure.
 */
export class VerdictCache {
  readonly #store: Store;
  readonly #timeoutMs: number;
  readonly #warn: (message: string) => void;
  readonly #warned = new Set<string>();

  constructor(store: Store, timeoutMs: number, warn: (message: string) => void) {
    this.#store = store;
    this.#timeoutMs = timeoutMs;
    this.#warn = warn;
  }

  async get(tokenHash: string): Promise<Verdict | undefined> {
    const value = await this.#bounded('get', () => this.#store.get(PREFIX + tokenHash));
    return isVerdict(value) ? value : undefined;
  }

  async set(tokenHash: string, verdict: Verdict, ttlMs: number): Promise<void> {
    if (!(ttlMs > 0)) return;
    await this.#bounded('set', () => this.#store.set(PREFIX + tokenHash, verdict as JsonValue, Math.ceil(ttlMs)));
  }

  #bounded<T>(op: string, run: () => Promise<T>): Promise<T | undefined> {
    return new Promise<T | undefined>((resolve) => {
      const fail = (detail: string): void => {
        if (!this.#warned.has(op)) {
          this.#warned.add(op);
          this.#warn(`[mcpgate] introspection cache (${this.#store.kind}) ${op} failed (${detail}); introspecting without the cache`);
        }
        resolve(undefined);
      };
      const timer = setTimeout(() => fail(`no answer within ${this.#timeoutMs} ms`), this.#timeoutMs);
      timer.unref?.();
      let running: Promise<T>;
      try {
        running = run();
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
          fail(error instanceof Error ? error.name : 'error');
        },
      );
    });
  }
}
