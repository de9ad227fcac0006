export { storeConformanceSuite } from './suite.js';
export type { StoreConformanceOptions, StoreFactory, StoreFactoryContext } from './types.js';
