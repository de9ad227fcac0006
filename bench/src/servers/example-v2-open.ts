/**
 * Example 2 (examples/mcp-server-v2, SDK 2.x on Hono) WITHOUT authentication, as its own process, for the
 * benchmarks only: `createExampleAppV2({ auth: false })` served exactly as
 * `examples/mcp-server-v2/dist/main.js` serves the authenticated app (`serve({ fetch })` from
 * `@hono/node-server`, PORT / HOST from the example's own `loadConfig()`). Loaded from
 * examples/mcp-server-v2/dist at run time, so the bench compiles whatever state example 2 is in; exits
 * with code 3 and a one-line reason (`skipped: …`) when it is not built or lacks that export, and the
 * harness reports the row as skipped.
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { loadConfig } from '@mcpgate/example-mcp-server';

const entry = new URL('../../../examples/mcp-server-v2/dist/index.js', import.meta.url);
function giveUp(reason: string): never {
  console.error(`skipped: ${reason}`);
  process.exit(3);
}
if (!existsSync(entry)) giveUp('not built (examples/mcp-server-v2/dist/index.js does not exist)');

type Fetch = (request: Request) => Response | Promise<Response>;
interface V2Module {
  createExampleAppV2?: (options: { auth: false }) => { app: { fetch: Fetch }; close(): Promise<void> };
}
const v2 = (await import(entry.href)) as V2Module;
if (typeof v2.createExampleAppV2 !== 'function') giveUp('examples/mcp-server-v2 exports no createExampleAppV2 (expected createExampleAppV2({ auth: false }))');

const config = loadConfig();
const example = v2.createExampleAppV2({ auth: false });
const server = serve({ fetch: (request: Request) => example.app.fetch(request), port: config.port, hostname: config.host });
await new Promise<void>((resolve, reject) => {
  server.once('error', reject);
  server.once('listening', () => resolve());
});
console.log(`example 2 WITHOUT authentication (benchmarks only) listening on http://${config.host}:${(server.address() as AddressInfo).port}/mcp`);

let closing = false;
const shutdown = async (): Promise<void> => {
  if (closing) return;
  closing = true;
  await example.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  process.exit(0);
};
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
