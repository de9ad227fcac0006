export { storeConformanceSuite } from './suite.js';
export type {
  StoreConformanceOptions,
  StoreFactory,
  StoreFactoryContext,
  TestApi,
  TestBody,
  TestFunction,
} from './types.js';
