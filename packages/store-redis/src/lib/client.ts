import { createClient } from '@keyv/redis';
import type { RedisClientConnectionType } from '@keyv/redis';
import type { ResolvedRedisOptions } from '../options.js';

export interface Connection {
  readonly client: RedisClientConnectionType;
  /** Resolves when the client is ready, has failed since, or `connectTimeoutMs` passed. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

type Listener = (...args: unknown[]) => void;
interface Emitter {
  on(event: string, listener: Listener): unknown;
  off(event: string, listener: Listener): unknown;
  isOpen: boolean;
  isReady?: boolean;
  connect(): Promise<unknown>;
  destroy(): unknown;
}

const decoded = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/** One line for the logger: the error's message (or code), with the URI's password masked should it appear. */
function describe(error: unknown, uri: string): string {
  const { message, code } = (error ?? {}) as { message?: unknown; code?: unknown };
  const text = String((typeof message === 'string' && message !== '' ? message : code) ?? error);
  const password = URL.canParse(uri) ? new URL(uri).password : '';
  if (password === '') return text;
  return [password, decoded(password)].reduce((masked, secret) => masked.replaceAll(secret, '***'), text);
}

export function connect(options: ResolvedRedisOptions): Connection {
  const owned = options.client === undefined;
  const client =
    options.client ??
    (createClient({
      url: options.uri,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: options.connectTimeoutMs,
        reconnectStrategy: (retries: number) =>
          Math.min(100 * 2 ** Math.min(retries, 10), options.maxReconnectDelayMs) + Math.floor(Math.random() * 50),
      },
    }) as RedisClientConnectionType);
  const emitter = client as unknown as Emitter;
  let failed = false;
  let closed = false;
  let waiters: Array<() => void> = [];
  const wake = (): void => {
    const pending = waiters;
    waiters = [];
    for (const resolve of pending) resolve();
  };
  const onError: Listener = (error) => {
    if (!failed && !closed) options.logger.warn(`[mcpgate] redis store: ${describe(error, options.uri)}`);
    failed = true;
    wake();
  };
  const onReady: Listener = () => {
    failed = false;
    wake();
  };
  emitter.on('error', onError);
  emitter.on('ready', onReady);
  const connecting: Promise<void> = emitter.isOpen ? Promise.resolve() : emitter.connect().then(() => undefined, onError);

  return {
    client,
    settled() {
      if (emitter.isReady !== false || failed) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, options.connectTimeoutMs);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    async close() {
      closed = true;
      emitter.off('error', onError);
      emitter.off('ready', onReady);
      wake();
      if (!owned) return;
      emitter.on('error', () => {});
      // node-redis leaks the socket of a first connection still being made when it is destroyed: let that
      // attempt settle first (at most connectTimeoutMs; a server that is down keeps it pending), then destroy.
      await Promise.race([connecting, new Promise<void>((resolve) => setTimeout(resolve, options.connectTimeoutMs).unref())]);
      if (emitter.isOpen) emitter.destroy();
    },
  };
}
