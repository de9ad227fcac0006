import type { Sealer } from '../encryption.js';
import type { Logger, Store } from '../types.js';

/**
 * Checks of single option values, shared by every factory: a bad value throws a `TypeError` naming the
 * option at construction time, so a misconfiguration fails at startup.
 */

/** An absolute http(s) URL without credentials (and, unless allowed, without query or fragment); returned unchanged. */
export function httpUrl(value: unknown, name: string, allow: { readonly query?: boolean } = {}): string {
  if (typeof value !== 'string' || !URL.canParse(value)) throw new TypeError(`${name} must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
  const url = new URL(value);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`${name} must use https (or http for development)`);
  if (url.username !== '' || url.password !== '') throw new TypeError(`${name} must not contain credentials`);
  if (url.hash !== '' || value.includes('#')) throw new TypeError(`${name} must not contain a fragment`);
  if (allow.query !== true && (url.search !== '' || value.includes('?'))) throw new TypeError(`${name} must not contain a query string`);
  return value;
}

export function nonEmptyString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`);
  return value;
}

export function optionalString(value: unknown, name: string): string | undefined {
  return value === undefined ? undefined : nonEmptyString(value, name);
}

export interface NumberRule {
  /** `positive`: above zero; `non-negative`: zero or more. */
  readonly sign: 'positive' | 'non-negative';
  readonly integer?: boolean;
  /** Shown in the message, e.g. `milliseconds`. */
  readonly unit?: string;
}

/** `value`, or `fallback` when it is undefined; a finite number that follows `rule`. */
export function numberOption(value: unknown, name: string, fallback: number, rule: NumberRule): number {
  if (value === undefined) return fallback;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (rule.sign === 'positive' ? value > 0 : value >= 0) &&
    (rule.integer !== true || Number.isInteger(value));
  if (!ok) throw new TypeError(`${name} must be a ${rule.sign} ${rule.integer === true ? 'integer' : 'number'}${rule.unit === undefined ? '' : ` of ${rule.unit}`}`);
  return value as number;
}

export function booleanOption(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean`);
  return value;
}

/** An object implementing the `Store` contract. */
export function storeOption(value: unknown, name: string): Store {
  const store = value as Partial<Store> | null;
  if (typeof store !== 'object' || store === null || typeof store.get !== 'function' || typeof store.set !== 'function' || typeof store.add !== 'function') {
    throw new TypeError(`${name} must implement Store (get, set, delete, add, deleteIfEquals, close)`);
  }
  return value as Store;
}

/**
 * The sealer of token material kept in `store`: optional for an in-process store, required for a
 * persistent one, where anyone able to write to the store could otherwise forge or read what mcpgate keeps.
 */
export function sealerOption(value: unknown, name: string, store: Store, what: string): Sealer | undefined {
  if (value === undefined) {
    if (store.persistent) throw new TypeError(`${name} is required with the persistent ${store.kind} store: ${what}`);
    return undefined;
  }
  const sealer = value as Partial<Sealer> | null;
  if (typeof sealer !== 'object' || sealer === null || typeof sealer.seal !== 'function' || typeof sealer.open !== 'function') {
    throw new TypeError(`${name} must be a Sealer (createSealer(key) from @mcpgate/core, or auth.sealer)`);
  }
  return value as Sealer;
}

/** A fetch-compatible function, or the global `fetch` looked up at call time (so tests and proxies can replace it). */
export function fetchOption<F extends (...args: never[]) => Promise<Response>>(value: unknown, name = 'fetch'): F {
  if (value === undefined) return ((...args: Parameters<typeof fetch>) => globalThis.fetch(...args)) as unknown as F;
  if (typeof value !== 'function') throw new TypeError(`${name} must be a fetch-compatible function`);
  return value as F;
}

/**
 * The `logger` option of every mcpgate factory: `console` by default; anything with `warn(message)` and
 * `error(message)`. The returned logger never throws: a failing logger must not fail a request.
 */
export function loggerOption(value: unknown, name = 'logger'): Logger {
  const logger = (value ?? console) as Partial<Logger> | null;
  if (typeof logger !== 'object' || logger === null || typeof logger.warn !== 'function' || typeof logger.error !== 'function') {
    throw new TypeError(`${name} must have warn(message) and error(message) methods (console does)`);
  }
  const { warn, error } = logger as Logger;
  return {
    warn(message) {
      try {
        warn.call(logger, message);
      } catch {
        // a logger that throws must not fail a request
      }
    },
    error(message) {
      try {
        error.call(logger, message);
      } catch {
        // idem
      }
    },
  };
}
