import { describe } from 'vitest';
import { addTests } from './add.js';
import { basicTests } from './basic.js';
import { deleteIfEqualsTests } from './delete-if-equals.js';
import { isolationTests } from './isolation.js';
import { lockingTests } from './locking.js';
import { ttlTests } from './ttl.js';
import type { StoreConformanceOptions, StoreFactory } from './types.js';
import { unreachableTests } from './unreachable.js';

/**
 * Registers the conformance tests every mcpgate `Store` must pass, as vitest `describe` blocks. The
 * factory is called once or twice per test with a random key prefix; every store it returns is closed
 * after the test. Keys are random, so runs never collide on a shared backend.
 *
 * @example
 * ```ts
 * import { storeConformanceSuite } from '@mcpgate/store-test-suite';
 * import { redisStore } from '@mcpgate/store-redis';
 *
 * storeConformanceSuite('redis', ({ keyPrefix }) => redisStore({ uri: process.env.REDIS_URL, keyPrefix }), {
 *   unreachable: () => redisStore({ uri: 'redis://127.0.0.1:1', connectTimeoutMs: 200 }),
 * });
 * ```
 */
export function storeConformanceSuite(name: string, factory: StoreFactory, options: StoreConformanceOptions = {}): void {
  const sharedBackend = options.sharedBackend ?? true;
  describe(`Store conformance: ${name}`, () => {
    basicTests(factory);
    ttlTests(factory);
    addTests(factory);
    deleteIfEqualsTests(factory);
    isolationTests(factory, sharedBackend);
    lockingTests(factory, sharedBackend);
    unreachableTests(options);
  });
}
