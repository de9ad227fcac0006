import { randomBytes } from 'node:crypto';
import type { Store } from '@mcpgate/core';
import type { StoreFactory, TestApi } from '../types.js';

export const randomId = (): string => randomBytes(6).toString('hex');

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface Harness {
  /** A fresh store under a random prefix (or `keyPrefix` to share one), closed when the test ends. */
  open(keyPrefix?: string): Promise<Store>;
  /** A random key, so runs never collide on a shared backend. */
  key(label?: string): string;
}

export type StoreTestBody = (h: Harness) => Promise<void>;

export interface StoreTests {
  /** Registers a test that gets its own harness. */
  test(name: string, body: StoreTestBody): void;
  /** Registers the test when `condition` holds; otherwise registers it as skipped. */
  testIf(condition: boolean, name: string, body: StoreTestBody): void;
}

export function storeTests(api: TestApi, factory: StoreFactory): StoreTests {
  const run = (body: StoreTestBody) => () => withHarness(factory, body);
  return {
    test(name, body) {
      api.it(name, run(body));
    },
    testIf(condition, name, body) {
      if (condition) api.it(name, run(body));
      else api.it.skip(name, run(body));
    },
  };
}

async function withHarness(factory: StoreFactory, body: StoreTestBody): Promise<void> {
  const opened: Store[] = [];
  const h: Harness = {
    async open(keyPrefix = `test:${randomId()}:`) {
      const store = await factory({ keyPrefix });
      opened.push(store);
      return store;
    },
    key(label = 'key') {
      return `mcpgate:v1:${label}:${randomId()}`;
    },
  };
  try {
    await body(h);
  } catch (error) {
    await Promise.allSettled(opened.map((store) => store.close()));
    throw error;
  }
  await Promise.all(opened.map((store) => store.close()));
}

export async function settlesWithin<T>(promise: Promise<T>, ms: number): Promise<PromiseSettledResult<T> | 'timeout'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
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
