import { describe, it } from 'vitest';
import { storeConformanceSuite } from '@mcpgate/store-test-suite';
import { redisStore } from '@mcpgate/store-redis';
import { freePort, REDIS_URL, redisAvailable } from './helpers.js';

const available = await redisAvailable('store-redis conformance');
const closedPort = await freePort();

if (available) {
  storeConformanceSuite({ describe, it }, {
    name: 'redis',
    create: ({ keyPrefix }) => redisStore({ uri: REDIS_URL, keyPrefix }),
    unreachable: () => redisStore({ uri: `redis://127.0.0.1:${closedPort}`, connectTimeoutMs: 300, logger: { warn: () => {}, error: () => {} } }),
  });
} else {
  describe.skip('Store conformance: redis (Redis unreachable)', () => {});
}
