import { metrics, trace, type Attributes, type Counter, type Histogram, type Meter, type Tracer, type UpDownCounter } from '@opentelemetry/api';

/** The instrumentation scope of every mcpgate package (one name: dashboards filter on it). */
export const SCOPE = 'mcpgate';

/** The tracer of mcpgate; a no-op until the application registers an OpenTelemetry SDK. */
export function mcpgateTracer(): Tracer {
  return trace.getTracer(SCOPE);
}

/**
 * Instruments made on first use, not at import: the metrics API has no proxy, so an instrument made
 * before the application registers its SDK would stay a no-op for good.
 */
export function lazyInstrument<I>(make: (meter: Meter) => I): () => I {
  let instrument: I | undefined;
  return () => (instrument ??= make(metrics.getMeter(SCOPE)));
}

export type { Attributes, Counter, Histogram, UpDownCounter };

/** Milliseconds since an arbitrary origin, for durations (monotonic). */
export const now = (): number => performance.now();
