/**
 * The SDK 2.x example MCP server, as a library for tests and benchmarks. `main.ts` runs it from the
 * environment (the same variables as examples/mcp-server; see the README).
 */
export { createExampleAppV2 } from './app.js';
export type { ExampleAppV2, ExampleAppV2Options } from './app.js';
export { buildMcpServer } from './mcp.js';
