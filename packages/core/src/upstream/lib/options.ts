export function httpUrl(value: unknown, option: string): string {
  if (typeof value === 'string') {
    try {
      const url = new URL(value);
      if (url.protocol === 'https:' || url.protocol === 'http:') return value;
    } catch {
      // reported below
    }
  }
  throw new TypeError(`${option} must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
}

export function nonEmptyString(value: unknown, option: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${option} must be a non-empty string`);
  return value;
}

export function optionalString(value: unknown, option: string): string | undefined {
  return value === undefined ? undefined : nonEmptyString(value, option);
}

export function positiveNumber(value: unknown, option: string, unit: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new TypeError(`${option} must be a positive number of ${unit}`);
  return value;
}

export function fetchFunction(value: unknown, option: string): typeof fetch {
  if (value === undefined) return globalThis.fetch;
  if (typeof value !== 'function') throw new TypeError(`${option} must be a fetch-compatible function`);
  return value as typeof fetch;
}
