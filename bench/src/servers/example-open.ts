/**
 * Example 1 (examples/mcp-server) WITHOUT authentication, as its own process, for the benchmarks only:
 * `createExampleApp({ auth: false })` served exactly as `examples/mcp-server/dist/main.js` serves the
 * authenticated app (a plain `http.createServer` with `example.listener`: the MCP path straight from Node's
 * `request` event, every other path through Express; PORT / HOST / MCP_SESSION_IDLE_TIMEOUT /
 * MCP_MAX_SESSIONS_PER_USER from the environment, stateful sessions). Never deploy this.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createExampleApp, loadConfig } from '@mcpgate/example-mcp-server';

const config = loadConfig();
const server = createServer();
await new Promise<void>((resolve, reject) => {
  server.once('error', reject);
  server.listen(config.port, config.host, () => resolve());
});
const example = createExampleApp({
  auth: false,
  sessions: { idleTimeoutMs: config.sessions.idleTimeoutSeconds * 1000, maxPerUser: config.sessions.maxPerUser },
});
server.on('request', example.listener);
console.log(`example 1 WITHOUT authentication (benchmarks only) listening on http://${config.host}:${(server.address() as AddressInfo).port}/mcp`);

let closing = false;
const shutdown = async (): Promise<void> => {
  if (closing) return;
  closing = true;
  await example.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  process.exit(0);
};
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
