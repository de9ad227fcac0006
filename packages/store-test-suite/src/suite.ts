import { addTests } from './add.js';
import { basicTests } from './basic.js';
import type { Store } from '@mcpgate/core';
import { deleteIfEqualsTests } from './delete-if-equals.js';
import { isolationTests } from './isolation.js';
import { randomId } from './lib/harness.js';
import { lockingTests } from './locking.js';
import { setIfEqualsTests } from './set-if-equals.js';
import { ttlTests } from './ttl.js';
import type { StoreConformanceOptions, TestApi } from './types.js';
import { unreachableTests } from './unreachable.js';

/**
 * Registers the conformance tests every mcpgate `Store` must pass with your test runner's `describe`
 * and `it` (vitest, jest or `node:test`); assertions use `node:assert/strict`, so nothing else is
 * needed. Each test opens its own stores through `create` with a random key prefix and closes them when
 * it ends. Keys are random, so runs never collide on a shared backend. Checks that have no meaning for
 * the store (`sharedBackend: false`, no `unreachable`, no `setIfEquals`) are registered as skipped.
 *
 * Whether the store has the optional `setIfEquals` is `options.setIfEquals`; absent, the suite makes one
 * store with `create` while it registers the tests, looks, and closes it (a factory that returns a promise
 * cannot be looked at then: its `setIfEquals` tests are skipped unless you pass `setIfEquals: true`).
 *
 * @throws {TypeError} when `test` lacks `describe`, `it` or `it.skip`, or the options are invalid.
 *
 * @example
 * ```ts
 * import { describe, it } from 'vitest';
 * import { storeConformanceSuite } from '@mcpgate/store-test-suite';
 * import { redisStore } from '@mcpgate/store-redis';
 *
 * storeConformanceSuite({ describe, it }, {
 *   name: 'redis',
 *   create: ({ keyPrefix }) => redisStore({ uri: process.env.REDIS_URL, keyPrefix }),
 *   unreachable: () => redisStore({ uri: 'redis://127.0.0.1:1', connectTimeoutMs: 200 }),
 * });
 * ```
 */
export function storeConformanceSuite(test: TestApi, options: StoreConformanceOptions): void {
  validate(test, options);
  const { name, create } = options;
  const sharedBackend = options.sharedBackend ?? true;
  test.describe(`Store conformance: ${name}`, () => {
    basicTests(test, create);
    ttlTests(test, create);
    addTests(test, create);
    deleteIfEqualsTests(test, create);
    isolationTests(test, create, sharedBackend);
    lockingTests(test, create, sharedBackend);
    setIfEqualsTests(test, create, hasSetIfEquals(options), sharedBackend);
    unreachableTests(test, options);
  });
}

function validate(test: TestApi, options: StoreConformanceOptions): void {
  if (typeof test?.describe !== 'function' || typeof test.it !== 'function' || typeof test.it.skip !== 'function') {
    throw new TypeError('storeConformanceSuite: pass your test runner\'s { describe, it } (it.skip is required)');
  }
  if (typeof options?.name !== 'string' || options.name === '') {
    throw new TypeError('storeConformanceSuite: options.name must be a non-empty string');
  }
  if (typeof options.create !== 'function') {
    throw new TypeError('storeConformanceSuite: options.create must be a function returning a Store');
  }
  if (options.unreachable !== undefined && typeof options.unreachable !== 'function') {
    throw new TypeError('storeConformanceSuite: options.unreachable must be a function returning a Store');
  }
  const { unreachableTimeoutMs } = options;
  if (unreachableTimeoutMs !== undefined && !(Number.isFinite(unreachableTimeoutMs) && unreachableTimeoutMs > 0)) {
    throw new TypeError('storeConformanceSuite: options.unreachableTimeoutMs must be a positive number of milliseconds');
  }
  if (options.sharedBackend !== undefined && typeof options.sharedBackend !== 'boolean') {
    throw new TypeError('storeConformanceSuite: options.sharedBackend must be a boolean');
  }
  if (options.setIfEquals !== undefined && typeof options.setIfEquals !== 'boolean') {
    throw new TypeError('storeConformanceSuite: options.setIfEquals must be a boolean');
  }
}

/**
 * `options.setIfEquals`, or else whether a store made now by a synchronous `create` has the method (the
 * store is closed at once; nothing is read or written). A factory that throws or returns a promise: false.
 */
function hasSetIfEquals(options: StoreConformanceOptions): boolean {
  if (options.setIfEquals !== undefined) return options.setIfEquals;
  let made: Store | Promise<Store>;
  try {
    made = options.create({ keyPrefix: `test:${randomId()}:probe:` });
  } catch {
    return false;
  }
  const close = (store: Store | undefined): void => {
    Promise.resolve()
      .then(() => store?.close())
      .catch(() => undefined);
  };
  if (typeof (made as { then?: unknown } | undefined)?.then === 'function') {
    (made as Promise<Store>).then(close, () => undefined);
    return false;
  }
  const store = made as Store | undefined;
  close(store);
  return typeof store?.setIfEquals === 'function';
}
