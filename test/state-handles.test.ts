import { createStateCodec, generateEncryptionKey } from '@mcpgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSession, post, rpcResult, startStack, tokenFor, type Stack } from './helpers/stack.js';

// remember / recall on the example server, over HTTP with real tokens: a handle is a name, not a capability

const SECRET = 'meet at the usual place';
const key = generateEncryptionKey();
let stack: Stack;
const token: Record<'alice' | 'bob', string> = { alice: '', bob: '' };
const session: Record<'alice' | 'bob', string> = { alice: '', bob: '' };

beforeAll(async () => {
  // a key ring (as any persistent store needs): the tools must seal with it, not with a key of their own
  stack = await startStack({ auth: { encryptionKey: key } });
  for (const login of ['alice', 'bob'] as const) {
    token[login] = (await tokenFor(stack.as, stack.resource, login)).access_token;
    session[login] = await openSession(stack.mcpUrl, token[login]);
  }
});

afterAll(async () => {
  await stack?.close();
});

let nextId = 10;
async function call(login: 'alice' | 'bob', name: string, args: Record<string, unknown>) {
  const res = await post(
    stack.mcpUrl,
    { jsonrpc: '2.0', id: nextId++, method: 'tools/call', params: { name, arguments: args } },
    { authorization: `Bearer ${token[login]}`, 'mcp-session-id': session[login], 'mcp-protocol-version': '2025-06-18' },
  );
  expect(res.status).toBe(200);
  const { result, error } = rpcResult(res.text);
  expect(error).toBeUndefined();
  return { text: (result?.content ?? []).map((c) => c.text).join(''), isError: result?.isError === true };
}

describe('remember / recall on the example server', () => {
  it('are listed with their input schemas', async () => {
    const res = await post(stack.mcpUrl, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, {
      authorization: `Bearer ${token.alice}`,
      'mcp-session-id': session.alice,
      'mcp-protocol-version': '2025-06-18',
    });
    const tools = (rpcResult(res.text).result as unknown as { tools: Array<{ name: string; inputSchema: { required?: string[] } }> }).tools;
    expect(tools.find((t) => t.name === 'remember')?.inputSchema.required).toEqual(['value']);
    expect(tools.find((t) => t.name === 'recall')?.inputSchema.required).toEqual(['handle']);
  });

  it('give the value back to its owner only', async () => {
    const remembered = await call('alice', 'remember', { value: SECRET });
    expect(remembered.isError).toBe(false);
    const handle = remembered.text;
    expect(handle).not.toContain(SECRET);

    expect(await call('alice', 'recall', { handle })).toEqual({ text: SECRET, isError: false });

    const stolen = await call('bob', 'recall', { handle });
    expect(stolen.isError).toBe(true);
    expect(stolen.text).toMatch(/not valid for you/);
    expect(stolen.text).not.toContain(SECRET);

    // sealed with the server's key ring (auth.sealer), for alice, for the purpose 'remember'
    const codec = createStateCodec({ sealer: stack.auth.sealer! });
    expect(codec.open(handle, { issuer: stack.as.issuer, subject: 'alice' }, { purpose: 'remember' })).toBe(SECRET);
  });

  it('refuse an altered handle without showing the value', async () => {
    const handle = (await call('alice', 'remember', { value: SECRET })).text;
    const parts = handle.split('.');
    const ct = parts.at(-2) as string;
    parts[parts.length - 2] = (ct[0] === 'A' ? 'B' : 'A') + ct.slice(1);
    const altered = await call('alice', 'recall', { handle: parts.join('.') });
    expect(altered.isError).toBe(true);
    expect(altered.text).toMatch(/not valid for you/);
    expect(altered.text).not.toContain(SECRET);
  });

  it('refuse an expired handle', async () => {
    // sealed the way remember seals, with a one-second lifetime
    const handle = createStateCodec({ sealer: stack.auth.sealer! }).seal(SECRET, { issuer: stack.as.issuer, subject: 'alice' }, { purpose: 'remember', ttlSeconds: 1 });
    expect(await call('alice', 'recall', { handle })).toEqual({ text: SECRET, isError: false });
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const expired = await call('alice', 'recall', { handle });
    expect(expired.isError).toBe(true);
    expect(expired.text).toMatch(/expired/);
    expect(expired.text).not.toContain(SECRET);
  });

  it('refuse a value over 1 KiB', async () => {
    const big = await call('alice', 'remember', { value: 'x'.repeat(1025) });
    expect(big.isError).toBe(true);
    expect(big.text).toMatch(/at most 1024 bytes/);
  });
});
