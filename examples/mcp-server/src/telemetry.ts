import type { TelemetrySetting } from './config.js';

/** The example's OpenTelemetry SDK, as `main.ts` sees it. */
export interface Telemetry {
  /** The startup line saying what is exported, and where. */
  readonly note: string;
  /** Exports what is buffered (spans, a last collection of metrics) and stops; gives up after `timeoutMs`. */
  shutdown(timeoutMs?: number): Promise<void>;
}

const OFF: Telemetry = {
  note: 'OpenTelemetry: off (set OTEL_EXPORTER_OTLP_ENDPOINT to export traces and metrics over OTLP/HTTP)',
  shutdown: async () => undefined,
};

/**
 * Starts the OpenTelemetry Node SDK when the standard variables ask for it (see `TelemetrySetting`), before
 * anything reports: mcpgate's packages depend on `@opentelemetry/api` only and stay no-ops until an SDK is
 * registered. Off, nothing is loaded: the SDK is imported dynamically, only here, so `npm start` costs the same.
 */
export async function startTelemetry(setting: TelemetrySetting | undefined): Promise<Telemetry> {
  if (setting === undefined) return OFF;
  const { startOpenTelemetrySdk } = await import('./otel-sdk.js');
  return startOpenTelemetrySdk(setting);
}
