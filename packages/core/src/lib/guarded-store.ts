import { ServiceUnavailableError } from '../errors.js';
import { IN_PROCESS_STORES } from '../memory-store.js';
import type { JsonValue, Store } from '../types.js';
import { storeErrors, storeOperations } from '../telemetry/instruments.js';
import { now } from '../telemetry/otel.js';
import { withTimeout } from './deadline.js';

const SCHEMA = 'mcpgate:v1:';

/**
 * Wraps a user's store: every key gets the versioned schema prefix, every call a timeout (but those to
 * mcpgate's own memory store, which answers from this process), and every failure becomes a
 * `ServiceUnavailableError` (fail closed: 503, never anonymous access, never a hang).
 */
export function guardStore(store: Store, timeoutMs: number, onFailure: (error: ServiceUnavailableError) => void = () => undefined): Store {
  const own = IN_PROCESS_STORES.get(store);
  type Op = 'get' | 'set' | 'delete' | 'add' | 'deleteIfEquals' | 'setIfEquals';
  const guard = <T>(op: Op, run: () => Promise<T>): Promise<T> => {
    const started = now();
    let answer: Promise<T>;
    if (own !== undefined && store[op] === own[op]) {
      // mcpgate's own memory store, its method unchanged: in-process, no timer needed
      try {
        answer = run();
      } catch (error) {
        answer = Promise.reject(error);
      }
    } else {
      answer = withTimeout(timeoutMs, run, () => new ServiceUnavailableError(`store ${store.kind} did not answer ${op} within ${timeoutMs} ms`, { dependency: 'store' }));
    }
    return answer.then(
      (value) => {
        storeOperations().record((now() - started) / 1000, { 'mcpgate.store.kind': store.kind, 'mcpgate.store.operation': op, 'mcpgate.outcome': 'ok' });
        return value;
      },
      (cause: unknown) => {
        const error =
          cause instanceof ServiceUnavailableError
            ? cause
            : new ServiceUnavailableError(`store ${store.kind} failed on ${op} (${describe(cause)})`, { dependency: 'store', cause });
        const attributes = { 'mcpgate.store.kind': store.kind, 'mcpgate.store.operation': op, 'mcpgate.outcome': 'error' };
        storeOperations().record((now() - started) / 1000, attributes);
        storeErrors().add(1, attributes);
        onFailure(error);
        throw error;
      },
    );
  };
  return {
    kind: store.kind,
    persistent: store.persistent,
    get: <T extends JsonValue>(key: string) => guard('get', () => store.get<T>(SCHEMA + key)),
    set: (key, value, ttlMs) => guard('set', () => store.set(SCHEMA + key, value, ttlMs)),
    delete: (key) => guard('delete', () => store.delete(SCHEMA + key)),
    add: (key, value, ttlMs) => guard('add', () => store.add(SCHEMA + key, value, ttlMs)),
    deleteIfEquals: (key, expected) => guard('deleteIfEquals', () => store.deleteIfEquals(SCHEMA + key, expected)),
    ...(store.setIfEquals !== undefined
      ? {
          setIfEquals: (key: string, expected: JsonValue, value: JsonValue, ttlMs: number) =>
            guard('setIfEquals', () => (store.setIfEquals as NonNullable<Store['setIfEquals']>)(SCHEMA + key, expected, value, ttlMs)),
        }
      : {}),
    close: () => store.close(),
  };
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const code = (error as Error & { code?: unknown }).code;
  return typeof code === 'string' ? `${error.name} ${code}` : error.name;
}
