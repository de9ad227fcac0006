import type { Store } from '@mcpgate/core';

/** What a factory is given: the key prefix the store must apply on top of every key. */
export interface StoreFactoryContext {
  /** Stores built with the same prefix on the same backend must see each other's keys. */
  readonly keyPrefix: string;
}

/** Builds a fresh store on the backend under test. */
export type StoreFactory = (context: StoreFactoryContext) => Promise<Store> | Store;

export interface StoreConformanceOptions {
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
}
