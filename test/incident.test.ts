/**
 * The incident of ../shared/context: OAuth completes in the client, then the client opens a NEW session
 * with its token and calls a tool. With mcpgate the tool sees the user.
 */
import { ScriptedOAuthClientProvider, connectWithOAuth } from '@mcpgate/example-mcp-server';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
});

const whoami = async (client: Client) => {
  const result = (await client.callTool({ name: 'whoami', arguments: {} })) as { content: Array<{ text: string }> };
  return JSON.parse(result.content[0]?.text ?? '{}') as { subject: string; clientId: string; scopes: string[] };
};

describe('the incident, end to end with the SDK client', () => {
  it('completes OAuth, then a new session with the same token sees the user', async () => {
    const provider = new ScriptedOAuthClientProvider('alice');
    const first = await connectWithOAuth(stack.mcpUrl, provider);
    expect(provider.codes).toHaveLength(1);
    const me = await whoami(first.client);
    expect(me.subject).toBe('alice');
    expect(me.scopes).toContain('mcp:tools');
    expect(me.clientId).not.toBe('');
    const firstSession = first.transport.sessionId;
    await first.client.close();

    const transport = new StreamableHTTPClientTransport(new URL(stack.mcpUrl), { authProvider: provider });
    const second = new Client({ name: 'reconnected', version: '0' });
    await second.connect(transport);
    expect(transport.sessionId).toBeDefined();
    expect(transport.sessionId).not.toBe(firstSession);
    expect((await whoami(second)).subject).toBe('alice');
    expect(provider.codes).toHaveLength(1);
    await second.close();
  });

  it('keeps users apart: bob gets bob', async () => {
    const bob = await connectWithOAuth(stack.mcpUrl, new ScriptedOAuthClientProvider('bob'));
    expect((await whoami(bob.client)).subject).toBe('bob');
    await bob.client.close();
  });
});
