/**
 * The OpenTelemetry Node SDK of the example, loaded by `telemetry.ts` only when telemetry is on. It lives in
 * the example, never in the packages: a library reports through `@opentelemetry/api`, and the application
 * chooses the SDK, the exporters and where they send.
 */
import { createRequire } from 'node:module';
import { OTLPMetricExporter as OtlpJsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OtlpProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as OtlpJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import type { TelemetrySetting } from './config.js';
import type { Telemetry } from './telemetry.js';

/** Query parameters whose values never reach a span (a token in the query string is refused by mcpgate, and not recorded either). */
const REDACTED_QUERY_PARAMETERS = ['access_token', 'code', 'state', 'sig', 'Signature', 'AWSAccessKeyId', 'X-Goog-Signature', 'X-Amz-Signature', 'X-Amz-Credential', 'X-Amz-Security-Token'];

/** The endpoint for the startup line, without any credentials in it. */
function printable(endpoint: string): string {
  const url = new URL(endpoint);
  url.username = '';
  url.password = '';
  url.search = '';
  return url.toString();
}

function metricExportIntervalMs(): number {
  const raw = Number(process.env['OTEL_METRIC_EXPORT_INTERVAL']);
  return Number.isInteger(raw) && raw > 0 ? raw : 60_000;
}

/**
 * Traces and metrics over OTLP/HTTP (protobuf or JSON) to OTEL_EXPORTER_OTLP_ENDPOINT; the exporters read the
 * other standard variables themselves (OTEL_EXPORTER_OTLP_HEADERS, the per-signal endpoints, timeouts). When
 * OTEL_TRACES_EXPORTER or OTEL_METRICS_EXPORTER is set, the SDK builds that signal's exporters from it
 * (`console`, `otlp`, `prometheus`, `none`). Incoming HTTP requests get a server span, so mcpgate's
 * `mcpgate.authenticate` span is its child.
 */
export function startOpenTelemetrySdk(setting: TelemetrySetting): Telemetry {
  const config: Partial<NodeSDKConfiguration> = {
    serviceName: setting.serviceName,
    // mcpgate logs through its Logger, not the OpenTelemetry logs signal
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({ redactedQueryParamsServer: REDACTED_QUERY_PARAMETERS, redactedQueryParams: REDACTED_QUERY_PARAMETERS }),
    ],
  };
  const traces = setting.tracesExporter ?? (setting.endpoint !== undefined ? `otlp (${setting.protocol.traces})` : 'none');
  const metrics = setting.metricsExporter ?? (setting.endpoint !== undefined ? `otlp (${setting.protocol.metrics})` : 'none');
  if (setting.tracesExporter === undefined) {
    if (setting.endpoint === undefined) config.spanProcessors = [];
    else config.traceExporter = setting.protocol.traces === 'http/json' ? new OtlpJsonTraceExporter() : new OtlpProtoTraceExporter();
  }
  if (setting.metricsExporter === undefined) {
    config.metricReaders =
      setting.endpoint === undefined
        ? []
        : [
            new PeriodicExportingMetricReader({
              exporter: setting.protocol.metrics === 'http/json' ? new OtlpJsonMetricExporter() : new OtlpProtoMetricExporter(),
              exportIntervalMillis: metricExportIntervalMs(),
            }),
          ];
  }
  const sdk = new NodeSDK(config);
  sdk.start();
  // The instrumentation patches `http` when it is next required: ESM imports of node:http (this server's,
  // made before the SDK started) do not pass through that hook, so require it once now. The patch is on
  // http.Server.prototype, which every import shares.
  createRequire(import.meta.url)('node:http');

  let stopped: Promise<void> | undefined;
  return {
    note: `OpenTelemetry: on (service ${setting.serviceName}; traces: ${traces}; metrics: ${metrics}${setting.endpoint !== undefined ? `; endpoint ${printable(setting.endpoint)}` : ''})`,
    shutdown(timeoutMs = 3_000) {
      stopped ??= Promise.race([
        sdk.shutdown().catch(() => undefined),
        new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref()),
      ]);
      return stopped;
    },
  };
}
