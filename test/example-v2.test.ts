/**
 * The SDK 2.x example server (examples/mcp-server-v2: createMcpHandler on Hono behind @mcpgate/web) with the
 * real dev AS: the 2.x client on each protocol era and the 1.x client; state handles bound to the caller;
 * the 2026-07-28 multi-round-trip flow with a requestState sealed for the caller.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as Client1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as Transport1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, tokenFor } from './helpers/stack.js';
import { startStackV2, type StackV2 } from './helpers/stack-v2.js';

let stack: StackV2;
let alice: string;
let bob: string;

beforeAll(async () => {
  stack = await startStackV2();
  alice = (await tokenFor(stack.as, stack.resource, 'alice')).access_token;
  bob = (await tokenFor(stack.as, stack.resource, 'bob')).access_token;
});
afterAll(async () => {
  await stack?.close();
});

type Mode = 'legacy' | 'auto' | { pin: '2026-07-28' };
async function connect(token: string, mode: Mode, elicitation = false): Promise<Client> {
  const client = new Client({ name: 'e2e', version: '1' }, { versionNegotiation: { mode }, ...(elicitation ? { capabilities: { elicitation: { form: {} } } } : {}) });
  if (elicitation) client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { confirm: true } }));
  await client.connect(new StreamableHTTPClientTransport(new URL(stack.mcpUrl), { authProvider: { token: async () => token } }));
  return client;
}
const text = (result: unknown): string => ((result as { content: Array<{ text: string }> }).content[0] as { text: string }).text;

describe('examples/mcp-server-v2', () => {
  it.each(['legacy', 'auto', { pin: '2026-07-28' }] as const)('2.x client, era %j: whoami, and a state handle only its owner can recall', async (mode) => {
    const a = await connect(alice, mode);
    const b = await connect(bob, mode);
    try {
      expect(JSON.parse(text(await a.callTool({ name: 'whoami', arguments: {} })))).toMatchObject({ subject: 'alice' });
      const handle = text(await a.callTool({ name: 'remember', arguments: { value: 'for alice only' } }));
      expect(text(await a.callTool({ name: 'recall', arguments: { handle } }))).toBe('for alice only');
      const stolen = await b.callTool({ name: 'recall', arguments: { handle } });
      expect(stolen).toMatchObject({ isError: true });
      expect(text(stolen)).not.toContain('for alice only');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('1.x client: whoami (served statelessly)', async () => {
    const client = new Client1({ name: 'e2e-1x', version: '1' });
    await client.connect(new Transport1(new URL(stack.mcpUrl), { requestInit: { headers: { authorization: `Bearer ${alice}` } } }));
    try {
      expect(JSON.parse(text(await client.callTool({ name: 'whoami', arguments: {} })))).toMatchObject({ subject: 'alice' });
    } finally {
      await client.close();
    }
  });

  it('2026-07-28: input_required with a requestState sealed for the caller, echoed back and opened for that caller only', async () => {
    const client = await connect(alice, { pin: '2026-07-28' }, true);
    try {
      expect(JSON.parse(text(await client.callTool({ name: 'whoami_confirmed', arguments: {} })))).toMatchObject({ subject: 'alice', confirmed: true });
    } finally {
      await client.close();
    }
    // the first round's requestState, replayed by another user, does not open
    const meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '0' },
      'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } },
    };
    const headers = (token: string) => ({ authorization: `Bearer ${token}`, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'whoami_confirmed', accept: 'application/json' });
    const first = await post(stack.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami_confirmed', arguments: {}, _meta: meta } }, headers(alice));
    const requestState = (JSON.parse(first.text) as { result: { requestState: string } }).result.requestState;
    expect(requestState).toMatch(/^s1\./);
    const retry = (token: string) =>
      post(
        stack.mcpUrl,
        { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami_confirmed', arguments: {}, requestState, inputResponses: { confirm: { action: 'accept', content: { confirm: true } } }, _meta: meta } },
        headers(token),
      );
    expect(JSON.parse((await retry(alice)).text)).toMatchObject({ result: { content: [{ text: expect.stringContaining('"confirmed":true') }] } });
    expect(JSON.parse((await retry(bob)).text)).toMatchObject({ error: { code: -32602, message: 'Invalid or expired requestState' } });
  });
});
