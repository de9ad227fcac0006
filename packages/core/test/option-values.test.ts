import { describe, expect, it } from 'vitest';
import { assertKnownOptions, httpUrl, loggerOption, numberOption, withDeadline } from '../src/internal.js';

describe('loggerOption: one logger shape for every package', () => {
  it('takes console and anything with warn and error; refuses the rest, naming the option', () => {
    expect(() => loggerOption(undefined)).not.toThrow();
    expect(() => loggerOption({ warn: () => undefined, error: () => undefined })).not.toThrow();
    expect(() => loggerOption({ warn: () => undefined })).toThrow(/logger must have warn\(message\) and error\(message\)/);
    expect(() => loggerOption('console', 'redisStore: logger')).toThrow(/redisStore: logger/);
  });

  it('never lets a throwing logger fail its caller, and keeps the logger as `this`', () => {
    const seen: string[] = [];
    const pino = {
      prefix: 'p:',
      warn(this: { prefix: string }, message: string) {
        seen.push(this.prefix + message);
        throw new Error('sink down');
      },
      error() {
        throw new Error('sink down');
      },
    };
    const logger = loggerOption(pino);
    expect(() => logger.warn('w')).not.toThrow();
    expect(() => logger.error('e')).not.toThrow();
    expect(seen).toEqual(['p:w']);
  });
});

describe('option values', () => {
  it('numberOption: default when undefined, else the rule', () => {
    expect(numberOption(undefined, 'x', 7, { sign: 'positive' })).toBe(7);
    expect(numberOption(0, 'x', 7, { sign: 'non-negative' })).toBe(0);
    expect(() => numberOption(0, 'timeoutMs', 7, { sign: 'positive', unit: 'milliseconds' })).toThrow('timeoutMs must be a positive number of milliseconds');
    expect(() => numberOption(1.5, 'n', 7, { sign: 'positive', integer: true })).toThrow(/n must be a positive integer/);
    expect(() => numberOption(Number.NaN, 'n', 7, { sign: 'non-negative' })).toThrow(TypeError);
    expect(() => numberOption('5', 'n', 7, { sign: 'non-negative' })).toThrow(TypeError);
  });

  it('httpUrl: absolute http(s), no credentials, no fragment, query only when allowed', () => {
    expect(httpUrl('https://as.example/t', 'issuer')).toBe('https://as.example/t');
    expect(httpUrl('https://as.example/t?x=1', 'endpoint', { query: true })).toBe('https://as.example/t?x=1');
    expect(() => httpUrl('https://as.example/t?x=1', 'issuer')).toThrow(/issuer must not contain a query/);
    expect(() => httpUrl('https://u:p@as.example', 'issuer')).toThrow(/credentials/);
    expect(() => httpUrl('https://as.example/#', 'issuer')).toThrow(/fragment/);
    expect(() => httpUrl('ftp://as.example', 'issuer')).toThrow(/https/);
    expect(() => httpUrl('/relative', 'issuer')).toThrow(/absolute/);
  });

  it('assertKnownOptions: refuses a non-object and an unknown key, suggesting the near one', () => {
    expect(() => assertKnownOptions(null, ['a'], 'f')).toThrow('f needs an options object');
    expect(() => assertKnownOptions([], ['a'], 'f')).toThrow('f needs an options object');
    expect(() => assertKnownOptions({ timeout: 1 }, ['timeoutMs'], 'f')).toThrow('f: unknown option "timeout" (did you mean "timeoutMs"?)');
  });
});

describe('withDeadline', () => {
  it('rejects on time even when the work ignores its signal, and aborts that signal', async () => {
    let signal: AbortSignal | undefined;
    const started = Date.now();
    await expect(
      withDeadline(
        30,
        (s) => {
          signal = s;
          return new Promise(() => undefined);
        },
        () => new Error('late'),
      ),
    ).rejects.toThrow('late');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(signal?.aborted).toBe(true);
  });

  it('turns a synchronous throw into a rejection', async () => {
    await expect(
      withDeadline(
        1_000,
        () => {
          throw new Error('sync');
        },
        () => new Error('late'),
      ),
    ).rejects.toThrow('sync');
  });
});
