/**
 * The mcpgate example MCP server, as a library for tests and benchmarks. `main.ts` runs it from the
 * environment; see the README for the variables.
 */
export { createExampleApp } from './app.js';
export type { ExampleApp, ExampleAppOptions } from './app.js';
export { setupAuth } from './auth-setup.js';
export type { AuthSetup } from './auth-setup.js';
export { ConfigError, loadConfig } from './config.js';
export type { ExampleConfig } from './config.js';
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
