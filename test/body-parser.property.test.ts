/**
 * One parse, one truth: for any generated body, the tool names mcpgate checks scopes against are exactly
 * the tools the MCP SDK runs, or mcpgate refuses the request. The SDK side is the real transport and
 * McpServer, fed both ways an application can wire it: the object mcpgate parsed (`parsedBody`) and the
 * raw bytes (the SDK parses them itself).
 */
import { isMcpAuthError, parseJsonRpcBody } from '@mcpgate/core';
import { toolNamesOf } from '@mcpgate/core/internal';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import fc from 'fast-check';
import { beforeAll, describe, expect, it, vi } from 'vitest';

// the SDK warns about the non-ASCII tool names on every registration
beforeAll(() => void vi.spyOn(console, 'warn').mockImplementation(() => undefined));

const TOOLS = ['whoami', 'admin_tool', '工具', 'a\u0001b'];

async function toolsTheSdkRuns(bytes: Uint8Array, parsedBody: unknown): Promise<string[]> {
  const ran: string[] = [];
  const server = new McpServer({ name: 'probe', version: '0' });
  for (const name of TOOLS) {
    server.registerTool(name, { description: name }, async () => {
      ran.push(name);
      return { content: [{ type: 'text', text: name }] };
    });
  }
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  await server.connect(transport);
  const request = new Request('http://127.0.0.1/mcp', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: bytes,
  });
  const response = await transport.handleRequest(request, parsedBody === undefined ? undefined : { parsedBody });
  await response.text();
  await server.close();
  return ran;
}

/** What mcpgate checks: the tool names, or 'refused'. */
function whatMcpgateChecks(bytes: Uint8Array): { parsed: unknown; names: string[] } | 'refused' {
  try {
    const parsed = parseJsonRpcBody(bytes, { contentType: 'application/json' });
    return { parsed, names: toolNamesOf({ body: parsed }, true) };
  } catch (error) {
    if (isMcpAuthError(error) && error.code === 'ERR_INVALID_REQUEST') return 'refused';
    throw error;
  }
}

const jsonString = (s: string) => JSON.stringify(s);
const escapedEverything = (s: string) => `"${[...s].map((c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`).join('')}"`;

const toolName = fc.constantFrom(...TOOLS, 'unknown_tool', '');
const key = (k: string) => fc.constantFrom(jsonString(k), escapedEverything(k));
const nameMember = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(key('name'), toolName).map(([k, n]) => `${k}:${jsonString(n)}`) },
  fc.tuple(key('name'), fc.constantFrom('1', 'null', '["admin_tool"]', '{"name":"admin_tool"}')).map(([k, v]) => `${k}:${v}`),
);
const protoMember = fc.tuple(key('__proto__'), toolName).map(([k, n]) => `${k}:{"name":${jsonString(n)}}`);
const ctorMember = fc.constant('"constructor":{"prototype":{"name":"admin_tool"}}');
const argsMember = fc.constant('"arguments":{}');
const params = fc
  .array(fc.oneof({ weight: 12, arbitrary: nameMember }, protoMember, ctorMember, { weight: 3, arbitrary: argsMember }), { maxLength: 4 })
  .map((members) => `{${members.join(',')}}`);
const method = fc.oneof(
  { weight: 8, arbitrary: fc.constant('"tools/call"') },
  fc.constantFrom(escapedEverything('tools/call'), '"tools/list"', '"TOOLS/CALL"', '1'),
);
const message = fc
  .tuple(method, fc.option(params, { nil: undefined, freq: 8 }), fc.boolean(), fc.option(protoMember, { nil: undefined, freq: 1 }))
  .map(([m, p, withId, topProto]) => {
    const members = ['"jsonrpc":"2.0"', ...(withId ? ['"id":1'] : []), `"method":${m}`, ...(p === undefined ? [] : [`"params":${p}`])];
    if (topProto !== undefined) members.push(topProto.replace('"name"', '"method":"tools/call","params":{"name"').replace(/}$/, '}}'));
    return `{${members.join(',')}}`;
  });
const body = fc
  .tuple(
    fc.oneof({ weight: 3, arbitrary: message }, fc.array(message, { minLength: 1, maxLength: 3 }).map((ms) => `[${ms.join(',')}]`)),
    fc.constantFrom('', '', '\uFEFF', '\uFEFF', '\uFEFF\uFEFF', ' \n'),
    fc.constantFrom('', ' ', '\n'),
  )
  .map(([text, prefix, suffix]) => new TextEncoder().encode(`${prefix}${text}${suffix}`));

describe('the body mcpgate checks is the body the SDK runs', () => {
  it('every tool the SDK runs was among the names checked (or the request was refused)', async () => {
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(body, async (bytes) => {
        const verdict = whatMcpgateChecks(bytes);
        if (verdict === 'refused') return;
        checked++;
        for (const parsedBody of [verdict.parsed, undefined]) {
          const ran = await toolsTheSdkRuns(bytes, parsedBody);
          for (const tool of ran) expect(verdict.names).toContain(tool);
        }
      }),
      { numRuns: 250 },
    );
    expect(checked).toBeGreaterThan(20);
  });

  it('refuses the known differentials: __proto__ (alone, in a batch, escaped), a BOM the old reader kept', () => {
    const bytes = (text: string) => new TextEncoder().encode(text);
    const proto = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"__proto__":{"name":"admin_tool"}}}';
    expect(whatMcpgateChecks(bytes(proto))).toBe('refused');
    expect(whatMcpgateChecks(bytes(`[${proto}]`))).toBe('refused');
    expect(whatMcpgateChecks(bytes(proto.replace('__proto__', '\\u005f_proto__')))).toBe('refused');
    const bom = whatMcpgateChecks(bytes('\uFEFF{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"admin_tool"}}'));
    expect(bom).not.toBe('refused');
    expect((bom as { names: string[] }).names).toEqual(['admin_tool']);
  });
});
