import { describe, expect, it } from 'vitest';
import { decodeHeaderValue } from '../src/lib/header-value.js';
import { uriTemplateMatcher } from '../src/lib/uri-template.js';
import { operationsOf } from '../src/operations.js';
import { ScopePolicy } from '../src/scopes.js';

const META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' };
const call = (method: string, params: Record<string, unknown>, id: number | null = 1) => ({ jsonrpc: '2.0', ...(id === null ? {} : { id }), method, params });
const mismatch = expect.objectContaining({ code: 'ERR_INVALID_REQUEST', jsonRpcCode: -32020, status: 400 });

describe('Mcp-Name value encoding (2026-07-28)', () => {
  it.each([
    ['whoami', 'whoami'],
    ['=?base64?SGVsbG8sIOS4lueVjA==?=', 'Hello, 世界'],
    ['=?base64?IHBhZGRlZCA=?=', ' padded '],
    ['=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=', '=?base64?literal?='],
    ['=?base64?d2hvYW1p?=', 'whoami'],
  ])('%s → %s', (header, value) => {
    expect(decodeHeaderValue(header)).toBe(value);
  });

  it.each(['=?base64?d2hvYW1?=', '=?base64?d2hv YW1p?=', '=?base64?_w==?=', '=?base64?/w==?='])('refuses %s (not canonical Base64, or not UTF-8)', (header) => {
    expect(decodeHeaderValue(header)).toBeUndefined();
  });
});

describe('operationsOf', () => {
  it('reads tools/call, resources/read and prompts/get, single and batch', () => {
    expect(
      operationsOf({
        body: [call('tools/call', { name: 'a' }), call('resources/read', { uri: 'file:///x' }), call('prompts/get', { name: 'p' }), call('tools/list', {})],
      }),
    ).toEqual([
      { kind: 'tool', name: 'a' },
      { kind: 'resource', name: 'file:///x' },
      { kind: 'prompt', name: 'p' },
    ]);
  });

  it('compares a decoded Mcp-Name with params.name or params.uri, and Mcp-Method with method', () => {
    const body = call('tools/call', { name: '工具', _meta: META });
    expect(operationsOf({ mcpMethod: 'tools/call', mcpName: '=?base64?5bel5YW3?=', body })).toEqual([{ kind: 'tool', name: '工具' }]);
    expect(() => operationsOf({ mcpMethod: 'tools/call', mcpName: 'cheap', body })).toThrow(mismatch);
    expect(() => operationsOf({ mcpMethod: 'tools/list', mcpName: '=?base64?5bel5YW3?=', body })).toThrow(mismatch);
    expect(() => operationsOf({ mcpMethod: 'resources/read', mcpName: 'file:///other', body: call('resources/read', { uri: 'file:///secret' }) })).toThrow(mismatch);
    expect(() => operationsOf({ mcpMethod: 'prompts/get', mcpName: 'x', body: call('prompts/get', { name: 'y' }) })).toThrow(mismatch);
    expect(() => operationsOf({ mcpMethod: 'tools/call', mcpName: '=?base64?d2hvYW1?=', body: call('tools/call', { name: 'whoami' }) })).toThrow(mismatch);
  });

  it('requires the headers of a 2026-07-28 request (one whose _meta names its version), not of a notification', () => {
    const body = call('tools/call', { name: 'whoami', _meta: META });
    expect(() => operationsOf({ body })).toThrow(mismatch);
    expect(() => operationsOf({ mcpMethod: 'tools/call', body })).toThrow(mismatch);
    expect(operationsOf({ mcpMethod: 'tools/call', mcpName: 'whoami', body })).toEqual([{ kind: 'tool', name: 'whoami' }]);
    expect(operationsOf({ body: call('notifications/initialized', { _meta: META }, null) })).toEqual([]);
    // a 2025 request carries no headers and needs none
    expect(operationsOf({ body: call('tools/call', { name: 'whoami' }) })).toEqual([{ kind: 'tool', name: 'whoami' }]);
  });

  it('in strict mode refuses a named method without its own string name or uri', () => {
    expect(() => operationsOf({ body: call('resources/read', { uri: 42 }) }, true)).toThrow(expect.objectContaining({ jsonRpcCode: -32600 }));
    expect(() => operationsOf({ body: call('prompts/get', {}) }, true)).toThrow(expect.objectContaining({ jsonRpcCode: -32600 }));
    expect(() => operationsOf({ body: JSON.parse('{"method":"prompts/get","params":{"__proto__":{"name":"x"}}}') }, true)).toThrow(
      expect.objectContaining({ jsonRpcCode: -32600 }),
    );
  });
});

describe('operationsOf: completions, limits and inherited names', () => {
  it('counts completion/complete as the prompt or resource template it completes', () => {
    const prompt = call('completion/complete', { ref: { type: 'ref/prompt', name: 'incident_review' }, argument: { name: 'a', value: '' } });
    const template = call('completion/complete', { ref: { type: 'ref/resource', uri: 'file:///reports/{name}' }, argument: { name: 'name', value: '' } });
    expect(operationsOf({ body: [prompt, template] })).toEqual([
      { kind: 'prompt', name: 'incident_review' },
      { kind: 'resource', name: 'file:///reports/{name}' },
    ]);
    expect(operationsOf({ body: call('completion/complete', { ref: { type: 'ref/other', name: 'x' } }) })).toEqual([]);
    expect(() => operationsOf({ body: call('completion/complete', { ref: { type: 'ref/prompt' } }) }, true)).toThrow(expect.objectContaining({ jsonRpcCode: -32600 }));
    expect(() => operationsOf({ body: call('completion/complete', {}) }, true)).toThrow(expect.objectContaining({ jsonRpcCode: -32600 }));
  });

  it('refuses a name or URI over 8192 characters, and de-duplicates a large batch', () => {
    expect(operationsOf({ body: call('tools/call', { name: 'x'.repeat(8192) }) })).toHaveLength(1);
    expect(() => operationsOf({ body: call('tools/call', { name: 'x'.repeat(8193) }) })).toThrow(expect.objectContaining({ jsonRpcCode: -32600 }));
    expect(() => operationsOf({ mcpName: 'x'.repeat(8193) })).toThrow(expect.objectContaining({ jsonRpcCode: -32600 }));
    const batch = Array.from({ length: 1000 }, (_, i) => call('tools/call', { name: `t${i % 10}` }));
    expect(operationsOf({ body: batch })).toHaveLength(10);
    // distinct names add up: 8 URIs of 8,192 characters fit (65,536), a ninth does not
    const reads = (n: number) => Array.from({ length: n }, (_, i) => call('resources/read', { uri: `file:///${String(i)}${'x'.repeat(8184 - String(i).length)}` }));
    expect(operationsOf({ body: reads(8) })).toHaveLength(8);
    expect(() => operationsOf({ body: reads(9) })).toThrow(expect.objectContaining({ jsonRpcCode: -32600 }));
  });

  it('does not read a method name inherited from Object.prototype as a named method', () => {
    for (const method of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(operationsOf({ body: call(method, {}) }, true)).toEqual([]);
    }
  });
});

describe('scopes for resources and prompts', () => {
  const policy = new ScopePolicy({
    requiredScopes: ['mcp:tools'],
    toolScopes: { admin_whoami: ['mcp:admin'] },
    resourceScopes: { 'file:///reports/{name}': ['reports:read'], 'https://api.example.com/secret': ['mcp:admin'] },
    promptScopes: { incident_review: ['mcp:admin'] },
  });
  const resource = (name: string) => ({ kind: 'resource' as const, name });

  it('matches a URI as the SDKs route it (URL-normalised) and as sent', () => {
    for (const uri of ['file:///reports/q3', 'FILE:///reports/q3', 'file:///public/../reports/q3', 'file:///reports/%71%33']) {
      expect(policy.scopesFor([resource(uri)])).toEqual(['mcp:tools', 'reports:read']);
    }
    expect(policy.scopesFor([resource('HTTPS://API.EXAMPLE.COM:443/secret')])).toEqual(['mcp:tools', 'mcp:admin']);
    expect(policy.scopesFor([resource('file:///reports/q3/extra')])).toEqual(['mcp:tools']);
    expect(policy.scopesFor([resource('not a uri')])).toEqual(['mcp:tools']);
  });

  it('a completion of a template (named by its key) needs the template scopes', () => {
    expect(policy.scopesFor([resource('file:///reports/{name}')])).toEqual(['mcp:tools', 'reports:read']);
    const slashed = new ScopePolicy({ resourceScopes: { 'api://x{/id}': ['x:read'] } });
    expect(slashed.scopesFor([resource('api://x{/id}')])).toEqual(['x:read']);
  });

  it('lists every scope of every operation in one challenge', () => {
    expect(
      policy.scopesFor([
        { kind: 'tool', name: 'admin_whoami' },
        { kind: 'prompt', name: 'incident_review' },
        resource('file:///reports/q3'),
      ]),
    ).toEqual(['mcp:tools', 'mcp:admin', 'reports:read']);
    expect(() => policy.assert(['mcp:tools', 'reports:read'], [{ kind: 'prompt', name: 'incident_review' }])).toThrow(
      expect.objectContaining({ code: 'ERR_INSUFFICIENT_SCOPE', requiredScopes: ['mcp:tools', 'mcp:admin'] }),
    );
  });
});

describe('uriTemplateMatcher matches at least what the SDK routes', () => {
  it.each([
    ['file:///{name}', 'file:///a', true],
    ['file:///{name}', 'file:///a,b', true],
    ['file:///{name}', 'file:///a/b', false],
    ['file:///{+path}', 'file:///a/b/c', true],
    ['api://x{/id}', 'api://x/1', true],
    ['api://x{.ext}', 'api://x.json', true],
    ['api://search{?q}', 'api://search?q=a', true],
    ['api://search{?q,page}', 'api://search?q=a&page=2', true],
    ['file:///a.b/{n}', 'file:///aXb/1', false],
    ['file:///reports/{year}-{quarter}.pdf', 'file:///reports/2026-q1.pdf', true],
    ['file:///reports/{year}-{quarter}.pdf', 'file:///reports/2026-q1-x.pdf', true],
    ['file:///reports/{year}-{quarter}.pdf', 'file:///reports/2026.pdf', false],
    ['file:///reports/{year}-{quarter}.pdf', 'file:///reports/20/26-q1.pdf', false],
    ['file:///reports{?}', 'file:///reports', true],
    ['file:///reports{?}', 'file:///reports?x=1', true],
    ['file:///reports{&,}', 'file:///reports', true],
    ['file:///r{}', 'file:///r', true],
    ['file:///r{x}', 'file:///r', false],
    ['file:///r{?q}', 'file:///r', false],
    ['file:///r/{x}{', 'file:///r/a{', true],
  ])('%s ~ %s → %s', (template, uri, expected) => {
    expect(uriTemplateMatcher(template)(uri)).toBe(expected);
  });
});
