/**
 * Example 1 (examples/mcp-server) with an OpenTelemetry SDK registered in its process, for the benchmarks
 * only: the SDK is registered first (AsyncLocalStorage context manager; a TracerProvider with a
 * SimpleSpanProcessor on an InMemorySpanExporter; a MeterProvider with a PeriodicExportingMetricReader on an
 * InMemoryMetricExporter), then the unchanged `examples/mcp-server/dist/main.js` runs, configured by the
 * same environment as `npm start` (it starts no SDK of its own: no OTEL_* variables). mcpgate reports through
 * `@opentelemetry/api`, so its spans and metrics land here. The exporters are emptied every second (after
 * counting what they hold), so memory stays bounded.
 *
 * With BENCH_OTEL_MCPGATE=off, the SDK is the same but the `mcpgate` instrumentation scope gets a no-op tracer
 * and meter: what the SDK and Node 20's AsyncLocalStorage cost a traced application before mcpgate records
 * anything. In both, the context manager is made active once at start (as any HTTP server instrumentation
 * does on its first request), which turns on Node 20's promise hooks for the whole process.
 *
 * SIGUSR2 prints one line, `otel-stats {json}`: spans exported by name, metric exports and data points, so
 * the harness can check that telemetry was really on during the measured rounds.
 */
import { context, createNoopMeter, metrics, ProxyTracerProvider, trace, type MeterProvider as ApiMeterProvider, type TracerProvider as ApiTracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

const METRIC_EXPORT_INTERVAL_MS = Number(process.env['BENCH_OTEL_METRIC_INTERVAL_MS'] ?? 5_000);

const spans = new InMemorySpanExporter();
const metricsOut = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
const meterProvider = new MeterProvider({
  readers: [new PeriodicExportingMetricReader({ exporter: metricsOut, exportIntervalMillis: METRIC_EXPORT_INTERVAL_MS })],
});
const mcpgateOff = process.env['BENCH_OTEL_MCPGATE'] === 'off';
const noopTracer = new ProxyTracerProvider().getTracer('mcpgate');
const noopMeter = createNoopMeter();
const tracers: ApiTracerProvider = mcpgateOff ? { getTracer: (name, ...rest) => (name === 'mcpgate' ? noopTracer : tracerProvider.getTracer(name, ...rest)) } : tracerProvider;
const meters: ApiMeterProvider = mcpgateOff ? { getMeter: (name, ...rest) => (name === 'mcpgate' ? noopMeter : meterProvider.getMeter(name, ...rest)) } : meterProvider;
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(tracers);
metrics.setGlobalMeterProvider(meters);
context.with(context.active(), () => undefined);

const stats = { spans: {} as Record<string, number>, metricExports: 0, metricNames: [] as string[] };
const drain = (): void => {
  for (const span of spans.getFinishedSpans()) stats.spans[span.name] = (stats.spans[span.name] ?? 0) + 1;
  spans.reset();
  const exported = metricsOut.getMetrics();
  if (exported.length > 0) {
    stats.metricExports += exported.length;
    stats.metricNames = [...new Set([...stats.metricNames, ...exported.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name)))])].sort();
    metricsOut.reset();
  }
};
setInterval(drain, 1_000).unref();
process.on('SIGUSR2', () => {
  drain();
  console.log(`otel-stats ${JSON.stringify(stats)}`);
});

// the example exactly as `npm start` runs it (main.js starts listening on import)
await import(new URL('../../../examples/mcp-server/dist/main.js', import.meta.url).href);
