/**
 * The hostile requests of the hardening issue against what `npm start` runs (the example server as its own
 * process, default env: `MCP_AUTH_TOOL_SCOPES` gives `admin_whoami` the scope `mcp:admin`), with a real dev
 * AS. After each one the process must still be running and answering.
 */
import { startDevAuthorizationServer, type DevAuthorizationServer } from '@mcpgate/example-dev-authorization-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startExampleProcess, type ExampleProcess } from './helpers/process.js';
import { callRaw, initializeBody, jsonHeaders, openSession, rawRequest, socketRequest, toolCall } from './helpers/readme-server.js';
import { tokenFor } from './helpers/stack.js';

let as: DevAuthorizationServer;
let proc: ExampleProcess;
let alice: string;
let session: string;

beforeAll(async () => {
  const port = await freePort();
  as = await startDevAuthorizationServer({ resource: `http://127.0.0.1:${port}/mcp` });
  proc = await startExampleProcess({ MCP_AUTH_ISSUER: as.issuer, MCP_AUTH_STORE: 'memory' }, { port });
  alice = (await tokenFor(as, proc.mcpUrl, 'alice', 'mcp:tools')).access_token;
  session = await openSession(proc.mcpUrl, alice);
});
afterAll(async () => {
  await proc?.stop();
  await as?.close();
});

async function stillServing(): Promise<void> {
  expect(proc.child.exitCode).toBeNull();
  const answer = await callRaw(proc.mcpUrl, alice, session, toolCall('whoami'));
  expect(answer.status).toBe(200);
  expect(answer.body).toContain('alice');
}

const admin = toolCall('admin_whoami');
const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;

describe('npm start under hostile requests', () => {
  it.each([
    ['__proto__ smuggling', () => callRaw(proc.mcpUrl, alice, session, admin.replace('"name":"admin_whoami"', '"__proto__":{"name":"admin_whoami"}')), [400]],
    ['__proto__ in a batch', () => callRaw(proc.mcpUrl, alice, session, `[${admin.replace('"name":"admin_whoami"', '"__proto__":{"name":"admin_whoami"}')}]`), [400]],
    ['a BOM before the body', () => callRaw(proc.mcpUrl, alice, session, `\uFEFF${admin}`), [403]],
    ['a non-Latin-1 name beside the scoped tool', () => callRaw(proc.mcpUrl, alice, session, `[${admin},${toolCall('工具\u0001', 3)}]`), [403]],
    ['invalid JSON', () => callRaw(proc.mcpUrl, alice, session, '{"jsonrpc":'), [400]],
    ['200,000 levels of nesting', () => callRaw(proc.mcpUrl, alice, session, deep), [400]],
    ['a gzip Content-Encoding', () => callRaw(proc.mcpUrl, alice, session, admin, [['content-encoding', 'gzip']]), [415]],
    ['a UTF-16 charset', () => callRaw(proc.mcpUrl, alice, session, admin, [['content-type', 'application/json; charset=utf-16le']]), [415]],
    ['a percent-encoded query token', () => rawRequest(`${proc.mcpUrl}?access%5Ftoken=x`, 'POST', jsonHeaders(alice), initializeBody), [400]],
    ['a plain OPTIONS on a live session', () => rawRequest(proc.mcpUrl, 'OPTIONS', [['mcp-session-id', session]]), [401]],
    [
      'U+00A0 around the scheme',
      () =>
        socketRequest(
          proc.mcpUrl,
          `POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\nauthorization: \xA0Bearer ${alice}\xA0\r\ncontent-length: ${Buffer.byteLength(initializeBody)}`,
          initializeBody,
        ),
      [400],
    ],
    ['a tool name in Mcp-Name that contradicts the body', () => callRaw(proc.mcpUrl, alice, session, admin, [['mcp-name', 'whoami']]), [400]],
  ] as const)('%s', async (_, send, statuses) => {
    const answer = await send();
    expect(statuses).toContain(answer.status);
    await stillServing();
  });

  it('never printed an unhandled error', () => {
    expect(proc.output()).not.toMatch(/Unhandled|ERR_INVALID_CHAR|TypeError/);
  });
});
