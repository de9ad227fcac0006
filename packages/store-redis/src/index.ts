export { redisStore } from './redis-store.js';
export { RedisTimeoutError } from './errors.js';
export type { RedisStoreOptions } from './options.js';
