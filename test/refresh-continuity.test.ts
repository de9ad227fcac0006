/**
 * Short-lived tokens: the SDK client gets 401 when its token expires, refreshes, and continues on the
 * same session as the same user (the binding holds identity, not token bytes).
 */
import { ScriptedOAuthClientProvider, connectWithOAuth } from '@mcpgate/example-mcp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ as: { accessTokenTtlSeconds: 2 } });
});
afterAll(async () => {
  await stack.close();
});

describe('refresh continuity', () => {
  it('refreshes after expiry and continues on the same session as the same user', async () => {
    const provider = new ScriptedOAuthClientProvider('alice');
    const { client, transport } = await connectWithOAuth(stack.mcpUrl, provider);
    const sessionId = transport.sessionId;
    const call = async () => {
      const result = (await client.callTool({ name: 'whoami', arguments: {} })) as { content: Array<{ text: string }> };
      return JSON.parse(result.content[0]?.text ?? '{}') as { subject: string };
    };
    expect((await call()).subject).toBe('alice');
    const firstToken = provider.tokens()?.access_token;
    const refreshesBefore = stack.as.stats.refreshGrants;

    await new Promise((r) => setTimeout(r, 3_200));
    expect((await call()).subject).toBe('alice');

    expect(stack.as.stats.refreshGrants).toBe(refreshesBefore + 1);
    expect(provider.tokens()?.access_token).not.toBe(firstToken);
    expect(transport.sessionId).toBe(sessionId);
    expect(provider.codes).toHaveLength(1);
    await client.close();
  });
});
