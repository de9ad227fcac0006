import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@mcpgate/core';
import { RedisTimeoutError, redisStore } from '@mcpgate/store-redis';
import type { RedisStoreOptions } from '@mcpgate/store-redis';
import { freePort, REDIS_URL, rawClient, redisAvailable, startRedisServer } from './helpers.js';
import type { RawClient } from './helpers.js';

const available = await redisAvailable('store-redis backend tests');
const id = () => randomBytes(6).toString('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('redisStore', () => {
  const stores: Store[] = [];
  const open = (options: RedisStoreOptions | string = {}): Store => {
    const store = redisStore(options);
    stores.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  it.runIf(available)('closed right after it is created, it leaves no socket behind (the process exits)', async () => {
    const { spawn } = await import('node:child_process');
    const entry = new URL('../dist/index.js', import.meta.url).href;
    const script = `const { redisStore } = await import(${JSON.stringify(entry)}); await redisStore(${JSON.stringify(REDIS_URL)}).close();`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
    const code = await Promise.race([new Promise<number | null>((resolve) => child.once('exit', resolve)), sleep(5_000).then(() => 'still running')]);
    child.kill('SIGKILL');
    expect(code).toBe(0);
  });

  it('rejects bad options at construction with a TypeError naming the option', () => {
    expect(() => redisStore('http://x')).toThrow(/uri/);
    expect(() => redisStore({ keyPrefix: 1 as unknown as string })).toThrow(/keyPrefix/);
    expect(() => redisStore({ connectTimeoutMs: 0 })).toThrow(/connectTimeoutMs/);
    expect(() => redisStore({ commandTimeoutMs: 1.5 })).toThrow(/commandTimeoutMs/);
    expect(() => redisStore({ logger: {} as Console })).toThrow(/logger/);
  });

  it('rejects an unknown option with a TypeError naming it and the closest known one', () => {
    const misspelt = { commandTimeout: 100 } as RedisStoreOptions;
    expect(() => redisStore(misspelt)).toThrow(TypeError);
    expect(() => redisStore(misspelt)).toThrow(/"commandTimeout".*"commandTimeoutMs"/);
    expect(() => redisStore({ uri: REDIS_URL, onError: () => {} } as RedisStoreOptions)).toThrow(/"onError"/);
  });

  it('a closed port: every call rejects fast, errors are logged once without the password, no reconnect storm', async () => {
    const warnings: string[] = [];
    const logger = { warn: (message: string) => warnings.push(message), error: (message: string) => warnings.push(message) };
    const store = open({ uri: `redis://mcp:s3cret-pw@127.0.0.1:${await freePort()}`, connectTimeoutMs: 500, logger });
    const started = Date.now();
    await expect(store.get('k')).rejects.toThrow();
    await expect(store.add('k', 1, 1_000)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1_000);
    await sleep(600);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^\[mcpgate\] redis store: \S/);
    expect(warnings[0]).not.toContain('s3cret-pw');
  });

  describe.runIf(available)('against the shared Redis', () => {
    let raw: RawClient;
    beforeAll(async () => {
      raw = (await rawClient()) as RawClient;
    });
    afterAll(() => raw?.destroy());

    it('keys carry the prefix, values are plain JSON, TTLs are PX milliseconds', async () => {
      const keyPrefix = `test:${id()}:`;
      const store = open({ uri: REDIS_URL, keyPrefix });
      await store.set('plain', { a: [1, 'ü'] });
      await store.set('ttl', 'x', 5_000);
      await store.add('lock', 'owner', 3_000);
      expect(await raw.get(`${keyPrefix}plain`)).toBe('{"a":[1,"ü"]}');
      expect(await raw.pTTL(`${keyPrefix}plain`)).toBe(-1);
      expect(await raw.pTTL(`${keyPrefix}ttl`)).toBeGreaterThan(4_000);
      expect(await raw.pTTL(`${keyPrefix}lock`)).toBeGreaterThan(2_000);
      expect((await raw.keys(`${keyPrefix}*`)).sort()).toEqual([`${keyPrefix}lock`, `${keyPrefix}plain`, `${keyPrefix}ttl`]);
      await raw.del([`${keyPrefix}plain`, `${keyPrefix}ttl`, `${keyPrefix}lock`]);
    });

    it('adds no prefix of its own by default (mcpgate keys already start with mcpgate:v1:)', async () => {
      const store = open(REDIS_URL);
      const key = `mcpgate-test:${id()}`;
      await store.set(key, 1, 5_000);
      expect(await raw.get(key)).toBe('1');
      await raw.del(key);
    });

    it('accepts a client the caller built and leaves it open', async () => {
      const client = (await rawClient()) as RawClient;
      try {
        const store = redisStore({ client, keyPrefix: `test:${id()}:` });
        await store.set('k', 'v', 5_000);
        expect(await store.get('k')).toBe('v');
        await store.close();
        expect(client.isOpen).toBe(true);
      } finally {
        client.destroy();
      }
    });
  });

  describe('outage of a private redis-server (SIGSTOP / SIGCONT)', () => {
    let child: ChildProcess | undefined;
    let port = 0;
    beforeAll(async () => {
      port = await freePort();
      child = await startRedisServer(port);
    }, 10_000);
    afterAll(() => {
      if (child?.pid !== undefined && child.exitCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }
    });

    it('calls reject within commandTimeoutMs while stalled and succeed again after', async () => {
      const store = open({ uri: `redis://127.0.0.1:${port}`, commandTimeoutMs: 500, logger: { warn: () => {}, error: () => {} } });
      await store.set('k', 'before');
      child!.kill('SIGSTOP');
      try {
        const started = Date.now();
        const results = await Promise.allSettled([store.get('k'), store.set('k', 'during'), store.add('l', 1, 1_000), store.deleteIfEquals('k', 'x')]);
        const elapsed = Date.now() - started;
        expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
        expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(RedisTimeoutError);
        expect(elapsed).toBeLessThan(1_500);
      } finally {
        child!.kill('SIGCONT');
      }
      await expect(store.set('k', 'after')).resolves.toBeUndefined();
      expect(await store.get('k')).toBe('after');
    }, 10_000);

    it('recovers after the server is killed and restarted on the same port', async () => {
      const warnings: string[] = [];
      const logger = { warn: (message: string) => warnings.push(message), error: (message: string) => warnings.push(message) };
      const store = open({ uri: `redis://127.0.0.1:${port}`, commandTimeoutMs: 500, maxReconnectDelayMs: 200, logger });
      await store.set('k', 1);
      child!.kill('SIGKILL');
      await new Promise((resolve) => child!.once('exit', resolve));
      await sleep(100);
      const started = Date.now();
      await expect(store.get('k')).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(1_000);
      child = await startRedisServer(port);
      const deadline = Date.now() + 3_000;
      let value: unknown;
      while (Date.now() < deadline) {
        value = await store.set('k', 2).then(() => store.get('k'), () => undefined);
        if (value === 2) break;
        await sleep(100);
      }
      expect(value).toBe(2);
      expect(warnings.length).toBeGreaterThanOrEqual(1);
    }, 10_000);
  });
});
