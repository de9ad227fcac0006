/** A stateless server (no Mcp-Session-Id): every request is authenticated on its own. */
import { ScriptedOAuthClientProvider, connectWithOAuth } from '@mcpgate/example-mcp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callWhoami, initialize, post, startStack, tokenFor, type Stack } from './helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ mode: 'stateless' });
});
afterAll(async () => {
  await stack.close();
});

describe('stateless mode', () => {
  it('runs the SDK client flow without sessions', async () => {
    const { client, transport } = await connectWithOAuth(stack.mcpUrl, new ScriptedOAuthClientProvider('bob'));
    expect(transport.sessionId).toBeUndefined();
    const result = (await client.callTool({ name: 'whoami', arguments: {} })) as { content: Array<{ text: string }> };
    expect(JSON.parse(result.content[0]?.text ?? '{}').subject).toBe('bob');
    await client.close();
  });

  it('authenticates each request on its own', async () => {
    const { access_token } = await tokenFor(stack.as, stack.resource, 'alice');
    const init = await post(stack.mcpUrl, initialize, { authorization: `Bearer ${access_token}` });
    expect(init.status).toBe(200);
    expect(init.headers.get('mcp-session-id')).toBeNull();
    const anonymous = await post(stack.mcpUrl, callWhoami(), { 'mcp-protocol-version': '2025-06-18' });
    expect(anonymous.status).toBe(401);
  });
});
