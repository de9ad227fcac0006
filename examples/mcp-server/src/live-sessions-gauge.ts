import { metrics, type MeterProvider, type ObservableGauge, type ObservableResult } from '@opentelemetry/api';

/** The instrumentation scope of the example's own metrics (mcpgate's packages report as `mcpgate`). */
export const EXAMPLE_METER = 'mcpgate-example';
export const LIVE_SESSIONS_METRIC = 'mcpgate.example.sessions.live';

const sources = new Set<() => number>();
let registered: { provider: MeterProvider; gauge: ObservableGauge } | undefined;

function observe(result: ObservableResult): void {
  let total = 0;
  for (const count of sources) total += count();
  result.observe(total);
}

/**
 * Reports `count()` in the observable gauge `mcpgate.example.sessions.live` (live MCP sessions: transports
 * open in this process) until the returned function is called. Several apps in one process add up. A no-op
 * until an OpenTelemetry SDK is registered; the gauge is made on the provider registered when an app starts
 * (the metrics API has no proxy: start the SDK first, as `main.ts` does).
 */
export function reportLiveSessions(count: () => number): () => void {
  const provider = metrics.getMeterProvider();
  if (registered?.provider !== provider) {
    registered?.gauge.removeCallback(observe);
    const gauge = provider.getMeter(EXAMPLE_METER).createObservableGauge(LIVE_SESSIONS_METRIC, {
      description: 'MCP sessions live in this process (open transports), after idle timeouts and per-user caps',
      unit: '{session}',
    });
    gauge.addCallback(observe);
    registered = { provider, gauge };
  }
  sources.add(count);
  return () => {
    sources.delete(count);
  };
}
