// A stand-in for a store package of your own ("store-foo"), so that the README example in
// store-foo/test/suite.ts type-checks. Only its type matters: nothing here runs.
import type { Store } from '@mcpgate/core';

export interface FooStoreOptions {
  readonly uri?: string | undefined;
  readonly keyPrefix?: string | undefined;
}

export declare function fooStore(options: FooStoreOptions): Store;
