import { randomBytes } from 'node:crypto';
import { afterEach } from 'vitest';
import type { Store } from '@mcpgate/core';
import type { StoreFactory } from '../types.js';

export const randomId = (): string => randomBytes(6).toString('hex');

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface Harness {
  /** A fresh store under a random prefix (or `keyPrefix` to share one), closed after the test. */
  open(keyPrefix?: string): Promise<Store>;
  /** A random key, so runs never collide on a shared backend. */
  key(label?: string): string;
}

export function harness(factory: StoreFactory): Harness {
  const opened: Store[] = [];
  afterEach(async () => {
    const stores = opened.splice(0);
    await Promise.all(stores.map((store) => store.close()));
  });
  return {
    async open(keyPrefix = `test:${randomId()}:`) {
      const store = await factory({ keyPrefix });
      opened.push(store);
      return store;
    },
    key(label = 'key') {
      return `mcpgate:v1:${label}:${randomId()}`;
    },
  };
}

export async function settlesWithin<T>(promise: Promise<T>, ms: number): Promise<PromiseSettledResult<T> | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  const settled = Promise.allSettled([promise]).then(([result]) => result as PromiseSettledResult<T>);
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
