/**
 * The mcpgate example MCP server, as a library for tests and benchmarks. `main.ts` runs it from the
 * environment; see the README for the variables.
 */
export { createExampleApp } from './app.js';
export type { ExampleApp, ExampleAppOptions } from './app.js';
export { setupAuth } from './auth-setup.js';
export type { AuthSetup } from './auth-setup.js';
export { ConfigError, loadConfig, parseRateLimit, telemetrySetting, OTLP_PROTOCOLS } from './config.js';
export type { ExampleConfig, OtlpProtocol, RateLimitSetting, TelemetrySetting } from './config.js';
// the OpenTelemetry SDK itself is imported by startTelemetry only when it is on
export { startTelemetry } from './telemetry.js';
export type { Telemetry } from './telemetry.js';
export { EXAMPLE_METER, LIVE_SESSIONS_METRIC, reportLiveSessions } from './live-sessions-gauge.js';
export { buildMcpServer } from './mcp.js';
export type { ExampleTools } from './mcp.js';
export { storeFromUri } from './store-from-uri.js';
export type { ChosenStore } from './store-from-uri.js';
export { ScriptedOAuthClientProvider, connectWithOAuth } from './oauth-client.js';
export type { ConnectedClient } from './oauth-client.js';
export { createUpstreamTools, registerUpstreamTools, upstreamToolDescriptions } from './upstream-tools.js';
export type { UpstreamToolResult, UpstreamTools, UpstreamToolsOptions } from './upstream-tools.js';
export {
  createStateTools,
  registerStateTools,
  stateToolDefinitions,
  DEFAULT_HANDLE_TTL_SECONDS,
  HANDLE_PURPOSE,
  MAX_REMEMBERED_BYTES,
} from './state-tools.js';
export type { StateToolResult, StateTools, StateToolsOptions } from './state-tools.js';
