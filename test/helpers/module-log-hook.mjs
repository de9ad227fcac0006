// Preloaded into a child process with NODE_OPTIONS=--import=<this file>: appends the URL of every ES module
// that resolves to an @opentelemetry package to the file named by MCPGATE_MODULE_LOG, so a test can tell
// which parts of OpenTelemetry a process loaded (test/operations-otel-process.test.ts).
import { register } from 'node:module';

const hooks = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  const log = process.env.MCPGATE_MODULE_LOG;
  if (log && result.url.includes('/@opentelemetry/')) appendFileSync(log, result.url + '\\n');
  return result;
}
`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
