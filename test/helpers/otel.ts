/**
 * A real OpenTelemetry SDK in memory, for the telemetry tests. Call `register()` in `beforeAll`, before
 * anything makes an instrument (each test file runs in its own process).
 */
import { context, metrics, ROOT_CONTEXT, trace, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';

export interface MetricPoint {
  readonly attributes: Record<string, unknown>;
  readonly value: unknown;
}

export function inMemoryOtel() {
  const exporter = new InMemorySpanExporter();
  const metricsOut = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricsOut, exportIntervalMillis: 60_000 });
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });

  const otel = {
    register(): void {
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      trace.setGlobalTracerProvider(tracerProvider);
      metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    },
    /** Every span ended so far (the processor exports asynchronously). */
    async spans(): Promise<ReadableSpan[]> {
      await tracerProvider.forceFlush();
      return exporter.getFinishedSpans();
    },
    async named(name: string): Promise<ReadableSpan[]> {
      return (await otel.spans()).filter((s) => s.name === name);
    },
    reset(): void {
      exporter.reset();
    },
    /** The data points of one metric, cumulative since the start of the file. */
    async points(name: string): Promise<MetricPoint[]> {
      await reader.forceFlush();
      const last = metricsOut.getMetrics().at(-1);
      const metric = last?.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
      return (metric?.dataPoints ?? []).map((p) => ({ attributes: p.attributes, value: p.value }));
    },
    /** The cumulative count of a counter's data point whose attributes include `attributes` (0 when none). */
    async count(name: string, attributes: Record<string, unknown>): Promise<number> {
      const points = await otel.points(name);
      const point = points.find((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v));
      return typeof point?.value === 'number' ? point.value : 0;
    },
    /** The scope name of every instrument exported so far, and of every span but the tests' own parents. */
    async scopes(): Promise<string[]> {
      await reader.forceFlush();
      const metricScopes = metricsOut.getMetrics().flatMap((r) => r.scopeMetrics.map((s) => s.scope.name));
      const spanScopes = (await otel.spans()).map((s) => s.instrumentationScope.name).filter((name) => name !== 'test');
      return [...new Set([...metricScopes, ...spanScopes])];
    },
    /** Everything exported (span names, attributes, events, links, statuses; all metrics), as one string to grep. */
    async everything(): Promise<string> {
      const spans = await otel.spans();
      await reader.forceFlush();
      return JSON.stringify([
        spans.map((s) => [s.name, s.attributes, s.events, s.links, s.status]),
        metricsOut.getMetrics(),
      ]);
    },
    /** Runs `work` under a fresh parent span (ended afterwards); returns the parent and the result. */
    async underParent<T>(work: () => Promise<T>): Promise<{ parent: Span; result: T | undefined; error: unknown }> {
      const parent = trace.getTracer('test').startSpan('parent', {}, ROOT_CONTEXT);
      let result: T | undefined;
      let error: unknown;
      try {
        result = await context.with(trace.setSpan(ROOT_CONTEXT, parent), work);
      } catch (e) {
        error = e;
      }
      parent.end();
      return { parent, result, error };
    },
  };
  return otel;
}
