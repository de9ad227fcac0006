import { describe, expect, it } from 'vitest';
import { toolNamesOf } from '../src/operations.js';
import { ScopePolicy } from '../src/scopes.js';

const tool = (name: string) => ({ kind: 'tool' as const, name });

describe('toolNamesOf', () => {
  it('reads tools/call from single and batch bodies and the Mcp-Name header', () => {
    expect(toolNamesOf({ body: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'a' } } })).toEqual(['a']);
    expect(
      toolNamesOf({
        body: [
          { method: 'tools/call', params: { name: 'a' } },
          { method: 'tools/list' },
          { method: 'tools/call', params: { name: 'b' } },
        ],
      }),
    ).toEqual(['a', 'b']);
    expect(toolNamesOf({ mcpName: 'c', mcpMethod: 'tools/call' })).toEqual(['c']);
    expect(toolNamesOf({ mcpName: 'c', mcpMethod: 'resources/read' })).toEqual([]);
    expect(toolNamesOf({ body: { method: 'initialize' } })).toEqual([]);
  });

  it('refuses an Mcp-Name header that contradicts the body', () => {
    expect(() => toolNamesOf({ mcpName: 'cheap', body: { method: 'tools/call', params: { name: 'expensive' } } })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_REQUEST', jsonRpcCode: -32020 }),
    );
  });
});

describe('ScopePolicy', () => {
  const policy = new ScopePolicy({
    requiredScopes: ['mcp:tools'],
    toolScopes: { delete_page: ['mcp:admin'] },
    scopeImplies: { 'mcp:admin': ['mcp:write'], 'mcp:write': ['mcp:tools'] },
  });

  it('lists every scope an operation needs', () => {
    expect(policy.scopesFor([])).toEqual(['mcp:tools']);
    expect(policy.scopesFor([tool('delete_page')])).toEqual(['mcp:tools', 'mcp:admin']);
  });

  it('honours the hierarchy transitively', () => {
    expect(policy.satisfies(['mcp:admin'], ['mcp:tools', 'mcp:admin'])).toBe(true);
    expect(policy.satisfies(['mcp:write'], ['mcp:tools'])).toBe(true);
    expect(policy.satisfies(['mcp:tools'], ['mcp:write'])).toBe(false);
  });

  it('throws insufficient_scope with all needed scopes', () => {
    expect(() => policy.assert(['mcp:tools'], [tool('delete_page')])).toThrow(
      expect.objectContaining({ code: 'ERR_INSUFFICIENT_SCOPE', requiredScopes: ['mcp:tools', 'mcp:admin'] }),
    );
    expect(() => policy.assert(['mcp:tools'], [tool('whoami')])).not.toThrow();
  });
});
