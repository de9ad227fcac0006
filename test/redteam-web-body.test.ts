/**
 * Red team: @mcpgate/web reads a body whose declared Content-Length is small (<= 64 KiB) with
 * `request.arrayBuffer()`, trusting the header for the size limit. Where the header is not tied to the bytes
 * (a Request built by application code, a proxy/runtime that forwards the header but streams the body), the
 * 4 MiB bodyLimitBytes is not enforced at all: the whole body is buffered and parsed.
 * On @hono/node-server the Node HTTP parser holds the body to its Content-Length, so this is bounded there.
 *
 * Fix: after a whole read, refuse `bytes.length !== Number(declared)` (or read through readBoundedBytes
 * always, with the limit).
 */
import { withMcpAuth } from '@mcpgate/web';
import { describe, expect, it } from 'vitest';
import { fakeAuth, fakePrincipal } from './helpers/fake-auth.js';

const RESOURCE = 'https://mcp.example.com/mcp';

describe('red team: withMcpAuth and a Content-Length that lies', () => {
  it('a 5 MiB body declared as 60 bytes is refused (413), not handed to the MCP handler', async () => {
    const auth = fakeAuth(RESOURCE, { mallory: fakePrincipal(RESOURCE, 'mallory') });
    let handed: number | undefined;
    const mcp = withMcpAuth(auth, (_request, { parsedBody }) => {
      handed = JSON.stringify(parsedBody).length;
      return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
    });
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(5 * 1024 * 1024) } });
    const res = await mcp(
      new Request(RESOURCE, {
        method: 'POST',
        headers: { authorization: 'Bearer mallory', 'content-type': 'application/json', 'content-length': '60' },
        body,
      }),
    );
    await auth.close();
    // today: 200, the handler got the 5 MiB body (bodyLimitBytes is 4 MiB)
    expect(handed).toBeUndefined();
    expect(res.status).toBe(413);
  });
});
