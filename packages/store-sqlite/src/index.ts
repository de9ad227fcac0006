export { sqliteStore } from './sqlite-store.js';
export { SqliteBusyError } from './errors.js';
export type { SqliteStoreOptions } from './options.js';
