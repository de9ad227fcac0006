import { gzipSync } from 'node:zlib';
import { createMcpAuth, InvalidTokenError, principalOf, type Principal, type Store } from '@mcpgate/core';
import { memoryStore } from '@mcpgate/core';
import { describe, expect, it } from 'vitest';
import { authorizationServerMetadataMirror, protectedResourceMetadata, withMcpAuth, type McpHandlerExtra } from '../src/index.js';

const RESOURCE = 'https://mcp.example.com/mcp';
const URL_ = RESOURCE;
const quiet = { warn: () => undefined, error: () => undefined };

function principal(subject: string, scopes: string[], ttl = 3600): Principal {
  return { issuer: 'https://as.example.com', subject, clientId: 'c', scopes, expiresAt: Math.floor(Date.now() / 1000) + ttl, audience: [RESOURCE], claims: {} };
}

function makeAuth(store: Store = memoryStore()) {
  const tokens: Record<string, Principal> = {
    alice: principal('alice', ['mcp:tools']),
    admin: principal('alice', ['mcp:tools', 'mcp:admin']),
    brief: principal('bob', ['mcp:tools'], 2),
  };
  return createMcpAuth({
    resource: RESOURCE,
    authorizationServers: ['https://as.example.com'],
    validator: {
      kind: 'fake',
      async validate(token) {
        const p = tokens[token];
        if (p === undefined) throw new InvalidTokenError('unknown', { reason: 'signature' });
        return p;
      },
    },
    store,
    requiredScopes: ['mcp:tools'],
    toolScopes: { admin_whoami: ['mcp:admin'] },
    logger: quiet,
  });
}

/** A handler that records what it received. */
function echo(seen: Array<{ bodyUsed: boolean; extra: McpHandlerExtra }> = []) {
  return async (request: Request, extra: McpHandlerExtra) => {
    seen.push({ bodyUsed: request.bodyUsed, extra });
    return Response.json({ subject: principalOf(extra.authInfo).subject });
  };
}

const call = (name: string) => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } });
const post = (body: NonNullable<RequestInit['body']> | object, headers: Record<string, string> = {}, url = URL_) =>
  new Request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array || body instanceof ReadableStream ? (body as RequestInit['body']) : JSON.stringify(body),
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);

describe('withMcpAuth', () => {
  it('hands the handler the AuthInfo and the checked object (the request body read once, by mcpgate)', async () => {
    const seen: Array<{ bodyUsed: boolean; extra: McpHandlerExtra }> = [];
    const mcp = withMcpAuth(makeAuth(), echo(seen));
    const res = await mcp(post(call('whoami'), { authorization: 'Bearer alice' }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ subject: 'alice' });
    expect(seen[0]?.extra.parsedBody).toEqual(call('whoami'));
    expect(seen[0]?.bodyUsed).toBe(true);
    expect(seen[0]?.extra.authInfo).toMatchObject({ token: 'alice', scopes: ['mcp:tools'], resourceMetadataUrl: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp' });
  });

  it('answers the status table: 401 without credentials, 400 malformed, 401 bad token, 403 with every scope', async () => {
    const mcp = withMcpAuth(makeAuth(), echo());
    const none = await mcp(post(call('whoami')));
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe(
      'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="mcp:tools", DPoP algs="ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512 EdDSA Ed25519"',
    );
    expect((await mcp(post(call('whoami'), { authorization: 'Bearer a b' }))).status).toBe(400);
    expect((await mcp(post(call('whoami'), { authorization: 'Bearer nobody' }))).status).toBe(401);
    const step = await mcp(post(call('admin_whoami'), { authorization: 'Bearer alice' }));
    expect(step.status).toBe(403);
    expect(step.headers.get('www-authenticate')).toContain('scope="mcp:tools mcp:admin"');
    expect((await mcp(post(call('admin_whoami'), { authorization: 'Bearer admin' }))).status).toBe(200);
  });

  it('refuses two Authorization headers (joined by Headers into one value), a query token, a form-body token', async () => {
    const mcp = withMcpAuth(makeAuth(), echo());
    const headers = new Headers({ 'content-type': 'application/json' });
    headers.append('authorization', 'Bearer alice');
    headers.append('authorization', 'Bearer admin');
    expect((await mcp(new Request(URL_, { method: 'POST', headers, body: JSON.stringify(call('whoami')) }))).status).toBe(400);
    expect((await mcp(post(call('whoami'), { authorization: 'Bearer alice' }, `${URL_}?access%5Ftoken=x`))).status).toBe(400);
    const form = await mcp(post('access_token=alice', { authorization: 'Bearer alice', 'content-type': 'application/x-www-form-urlencoded' }));
    expect(form.status).toBe(400);
  });

  it('reads the body only after the credentials passed, and refuses what it cannot read unambiguously', async () => {
    const mcp = withMcpAuth(makeAuth(), echo(), { bodyLimitBytes: 1_000, bodyTimeoutMs: 200 });
    let pulled = false;
    const unread = new ReadableStream<Uint8Array>({ pull: () => void (pulled = true) }, { highWaterMark: 0 });
    expect((await mcp(post(unread, {}))).status).toBe(401);
    expect(pulled).toBe(false);
    const auth = { authorization: 'Bearer admin' };
    const bom = await mcp(post(`\uFEFF${JSON.stringify(call('admin_whoami'))}`, { authorization: 'Bearer alice' }));
    expect(bom.status).toBe(403); // the BOM is dropped as the SDK drops it: the tool is seen
    const proto = await mcp(post('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"__proto__":{"name":"admin_whoami"}}}', auth));
    expect(proto.status).toBe(400);
    expect((await mcp(post(gzipSync(JSON.stringify(call('whoami'))), { ...auth, 'content-encoding': 'gzip' }))).status).toBe(415);
    expect((await mcp(post(JSON.stringify(call('whoami')), { ...auth, 'content-type': 'application/json; charset=utf-16' }))).status).toBe(415);
    expect((await mcp(post('x'.repeat(2_000), auth))).status).toBe(413);
    // one byte every 50 ms, forever (until the reader cancels it)
    const endless = new ReadableStream<Uint8Array>({
      pull: (c) =>
        new Promise<void>((r) =>
          setTimeout(() => {
            try {
              c.enqueue(new Uint8Array([0x20]));
            } catch {
              // cancelled by the reader: the stream is closed
            }
            r();
          }, 50),
        ),
    });
    expect((await mcp(post(endless, auth))).status).toBe(408);
    const get = await mcp(new Request(URL_, { method: 'GET', headers: { ...auth, 'content-length': '5' } }));
    expect(get.status).toBe(400);
  });

  it('checks a body a framework already parsed the same way', async () => {
    const mcp = withMcpAuth(makeAuth(), echo());
    const request = new Request(URL_, { method: 'POST', headers: { authorization: 'Bearer alice' } });
    expect((await mcp(request, { parsedBody: call('admin_whoami') })).status).toBe(403);
    const poisoned = JSON.parse('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"__proto__":{"name":"x"}}}');
    expect((await mcp(new Request(URL_, { method: 'POST', headers: { authorization: 'Bearer admin' } }), { parsedBody: poisoned })).status).toBe(400);
    // a form body a framework parsed that carries access_token (RFC 6750 §2.2) is refused, as one read here
    const form = new Request(URL_, { method: 'POST', headers: { authorization: 'Bearer alice', 'content-type': 'application/x-www-form-urlencoded' } });
    expect((await mcp(form, { parsedBody: { access_token: 'alice' } })).status).toBe(400);
  });

  it('refuses a whole-read body that does not match its Content-Length', async () => {
    const mcp = withMcpAuth(makeAuth(), echo());
    const body = JSON.stringify(call('whoami'));
    const lying = (length: number) =>
      new Request(URL_, { method: 'POST', headers: { authorization: 'Bearer alice', 'content-type': 'application/json', 'content-length': String(length) }, body });
    expect((await mcp(lying(body.length - 5))).status).toBe(413);
    expect((await mcp(lying(body.length + 5))).status).toBe(400);
    expect((await mcp(lying(body.length))).status).toBe(200);
  });

  it('cross-checks Mcp-Name with the body (400, -32020)', async () => {
    const mcp = withMcpAuth(makeAuth(), echo());
    const res = await mcp(post(call('admin_whoami'), { authorization: 'Bearer admin', 'mcp-method': 'tools/call', 'mcp-name': 'whoami' }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: -32020 } });
  });

  it('binds a minted session before the client sees it, refuses it to another user, unbinds on DELETE', async () => {
    const auth = makeAuth();
    const mcp = withMcpAuth(auth, async () => new Response('{}', { headers: { 'mcp-session-id': 's-1', 'content-type': 'application/json' } }));
    const minted = await mcp(post(call('whoami'), { authorization: 'Bearer alice' }));
    expect(minted.headers.get('mcp-session-id')).toBe('s-1');
    expect((await mcp(post(call('whoami'), { authorization: 'Bearer brief', 'mcp-session-id': 's-1' }))).status).toBe(404);
    expect((await mcp(post(call('whoami'), { authorization: 'Bearer alice', 'mcp-session-id': 's-1' }))).status).toBe(200);
    const deleted = await mcp(new Request(URL_, { method: 'DELETE', headers: { authorization: 'Bearer alice', 'mcp-session-id': 's-1' } }));
    expect(deleted.status).toBe(200);
    await new Promise((r) => setTimeout(r, 10));
    expect((await mcp(post(call('whoami'), { authorization: 'Bearer alice', 'mcp-session-id': 's-1' }))).status).toBe(404);
  });

  it('answers 503 and never exposes the session id when the binding cannot be stored', async () => {
    const broken: Store = { ...memoryStore(), set: () => Promise.reject(new Error('down')) };
    const mcp = withMcpAuth(makeAuth(broken), async () => new Response('{}', { headers: { 'mcp-session-id': 's-2' } }));
    const res = await mcp(post(call('whoami'), { authorization: 'Bearer alice' }));
    expect(res.status).toBe(503);
    expect(res.headers.get('mcp-session-id')).toBeNull();
  });

  it('ends an event stream when the token expires', async () => {
    const mcp = withMcpAuth(makeAuth(), async () => new Response(new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode(': open\n\n')) }), { headers: { 'content-type': 'text/event-stream' } }));
    const res = await mcp(new Request(URL_, { method: 'GET', headers: { authorization: 'Bearer brief' } }));
    const started = Date.now();
    await expect(res.text()).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('answers CORS for allowed origins only', async () => {
    const mcp = withMcpAuth(makeAuth(), echo());
    const preflight = await mcp(new Request(URL_, { method: 'OPTIONS', headers: { origin: 'https://mcp.example.com', 'access-control-request-method': 'POST' } }));
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://mcp.example.com');
    const other = await mcp(new Request(URL_, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } }));
    expect(other.status).toBe(403);
    const challenged = await mcp(post(call('whoami'), { origin: 'https://mcp.example.com' }));
    expect(challenged.status).toBe(401);
    expect(challenged.headers.get('access-control-expose-headers')).toContain('WWW-Authenticate');
    const refused = await mcp(post(call('whoami'), { origin: 'https://evil.example', authorization: 'Bearer alice' }));
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('never throws: a handler that throws becomes a 500 without details', async () => {
    const mcp = withMcpAuth(makeAuth(), async () => {
      throw new Error('secret detail');
    });
    const res = await mcp(post(call('whoami'), { authorization: 'Bearer alice' }));
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('secret');
  });

  it('checks its options', () => {
    expect(() => withMcpAuth(makeAuth(), echo(), { bodyLimit: 1 } as never)).toThrow(/did you mean "bodyLimitBytes"/);
    expect(() => withMcpAuth(makeAuth(), undefined as never)).toThrow(/handler/);
  });
});

describe('metadata', () => {
  it('serves RFC 9728 metadata at the path and root forms, and nothing else', async () => {
    const metadata = protectedResourceMetadata(makeAuth());
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const res = metadata(new Request(`https://mcp.example.com${path}`));
      expect(res?.status).toBe(200);
      expect(res?.headers.get('access-control-allow-origin')).toBe('*');
      expect(await res?.json()).toMatchObject({ resource: RESOURCE, authorization_servers: ['https://as.example.com'] });
    }
    expect(metadata(new Request('https://mcp.example.com/.well-known/oauth-protected-resource', { method: 'POST' }))?.status).toBe(405);
    expect(metadata(new Request('https://mcp.example.com/mcp'))).toBeUndefined();
  });

  it('mirrors the issuer-checked RFC 8414 document, 503 when it cannot be read', async () => {
    let issuer = 'https://as.example.com';
    const mirror = authorizationServerMetadataMirror(makeAuth(), { fetch: async () => Response.json({ issuer, token_endpoint: `${issuer}/token` }), cacheTtlMs: 1 });
    const ok = await mirror(new Request('https://mcp.example.com/.well-known/oauth-authorization-server'));
    expect(ok?.status).toBe(200);
    issuer = 'https://evil.example';
    await new Promise((r) => setTimeout(r, 5));
    expect((await mirror(new Request('https://mcp.example.com/.well-known/oauth-authorization-server')))?.status).toBe(503);
    expect(mirror(new Request('https://mcp.example.com/other'))).toBeUndefined();
  });
});
