import type { Store } from '@mcpgate/core';

/** A test body as the suite registers it: no arguments, resolves when the test passed. */
export type TestBody = () => Promise<void>;

/**
 * Registers one test. vitest's and jest's `it` / `test` and `node:test`'s `it` / `test` all fit.
 * `skip` registers a test that is reported as skipped and never run.
 */
export interface TestFunction {
  (name: string, body: TestBody): unknown;
  skip(name: string, body: TestBody): unknown;
}

/**
 * The two functions of your test runner the suite registers its tests with, e.g.
 * `import { describe, it } from 'vitest'` or `from 'node:test'`, or jest's globals.
 */
export interface TestApi {
  /** Groups tests; called synchronously while the test file is collected. */
  readonly describe: (name: string, body: () => void) => unknown;
  readonly it: TestFunction;
}

/** What a factory is given: the key prefix the store must apply on top of every key. */
export interface StoreFactoryContext {
  /** Stores built with the same prefix on the same backend must see each other's keys. */
  readonly keyPrefix: string;
}

/** Builds a fresh store on the backend under test. */
export type StoreFactory = (context: StoreFactoryContext) => Promise<Store> | Store;

export interface StoreConformanceOptions {
  /** Names the outer group: `Store conformance: <name>`. */
  readonly name: string;
  /**
   * Builds a fresh store with the given key prefix; called once or twice per test. Every store it
   * returns is closed when its test ends.
   */
  readonly create: StoreFactory;
  /**
   * Builds a store whose backend cannot be reached (closed port, missing directory, ...); every
   * method must then reject within `unreachableTimeoutMs`. Absent: those tests are skipped.
   */
  readonly unreachable?: () => Promise<Store> | Store;
  /** Most milliseconds a call against an unreachable backend may take to reject. Default 5,000. */
  readonly unreachableTimeoutMs?: number;
  /**
   * False when two instances never share data (an in-process store); the cross-instance tests are
   * then skipped. Default true.
   */
  readonly sharedBackend?: boolean;
  /**
   * Whether the store implements the optional `setIfEquals` (compare-and-set); false registers its tests
   * as skipped. Default: looked up on one store made by `create` when the suite registers its tests (then
   * closed); a `create` that returns a promise cannot be looked at, so pass `true` for such a store.
   */
  readonly setIfEquals?: boolean;
}
