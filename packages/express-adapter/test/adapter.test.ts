import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpAuth, InvalidTokenError, memoryStore, type McpAuth, type Principal, type Store } from '@mcpgate/core';
import express, { type Request } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { authorizationServerMetadataMirror, protectedResourceMetadata, requireMcpAuth } from '../src/index.js';

const principal = (subject: string, scopes = ['mcp:tools']): Principal => ({
  issuer: 'https://as.example',
  subject,
  clientId: 'c',
  scopes,
  expiresAt: Math.floor(Date.now() / 1000) + 600,
  audience: [],
  claims: {},
});

const tokens: Record<string, Principal> = { alice: principal('alice'), bob: principal('bob'), admin: principal('root', ['mcp:tools', 'mcp:admin']) };

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

function makeAuth(store: Store = memoryStore(), resource = 'http://127.0.0.1:1/mcp'): McpAuth {
  return createMcpAuth({
    resource,
    authorizationServers: ['https://as.example'],
    validator: {
      kind: 'fake',
      async validate(token) {
        const p = tokens[token];
        if (!p) throw new InvalidTokenError('unknown');
        return p;
      },
    },
    store,
    requiredScopes: ['mcp:tools'],
    toolScopes: { nuke: ['mcp:admin'] },
    logger: { warn: () => undefined, error: () => undefined },
  });
}

async function serve(app: express.Express): Promise<string> {
  server = createServer(app);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

/** A stand-in for the MCP transport: mints a session on initialize, echoes who called otherwise. */
function mcpHandler(seen: Array<{ auth: unknown; body: unknown; raw?: string }> = []) {
  return (req: Request, res: express.Response) => {
    const raw = (req as Request & { rawBody?: Buffer }).rawBody?.toString();
    seen.push({ auth: req.auth, body: req.body, ...(raw !== undefined ? { raw } : {}) });
    const body = (req.body ?? JSON.parse(raw ?? 'null')) as { method?: string } | null;
    if (req.method === 'POST' && body?.method === 'initialize') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': 'sess-1' });
      res.write('event: message\n');
      res.end('data: {"jsonrpc":"2.0","id":1,"result":{}}\n\n');
      return;
    }
    res.status(200).json({ subject: (req.auth?.extra?.['principal'] as Principal | undefined)?.subject ?? null });
  };
}

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
  body: JSON.stringify(body),
});

describe('protectedResourceMetadata', () => {
  it('serves the path and root forms with CORS, and only GET/HEAD/OPTIONS', async () => {
    const auth = makeAuth();
    const app = express();
    app.use(protectedResourceMetadata(auth));
    const base = await serve(app);
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const res = await fetch(base + path);
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('cache-control')).toBe('public, max-age=300');
      expect(await res.json()).toEqual(auth.metadata);
    }
    expect((await fetch(`${base}/.well-known/oauth-protected-resource`, { method: 'OPTIONS' })).status).toBe(204);
    expect((await fetch(`${base}/.well-known/oauth-protected-resource`, { method: 'HEAD' })).status).toBe(200);
    const post = await fetch(`${base}/.well-known/oauth-protected-resource`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect((await fetch(`${base}/.well-known/other`)).status).toBe(404);
  });

  it('refuses a bad maxAgeSeconds at construction', () => {
    expect(() => protectedResourceMetadata(makeAuth(), { maxAgeSeconds: -1 })).toThrow(/maxAgeSeconds/);
  });
});

describe('authorizationServerMetadataMirror', () => {
  it('serves the issuer-checked document, and 503 when the issuer cannot be read', async () => {
    const document = { issuer: 'https://as.example', token_endpoint: 'https://as.example/token' };
    let answer: () => Response = () => Response.json(document);
    let calls = 0;
    const app = express();
    app.use(
      authorizationServerMetadataMirror(makeAuth(), {
        fetch: async () => {
          calls++;
          return answer();
        },
        cacheTtlMs: 1,
      }),
    );
    const base = await serve(app);
    const ok = await fetch(`${base}/.well-known/oauth-authorization-server`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual(document);
    await new Promise((r) => setTimeout(r, 5));
    answer = () => Response.json({ ...document, issuer: 'https://evil.example' });
    const wrongIssuer = await fetch(`${base}/.well-known/oauth-authorization-server`);
    expect(wrongIssuer.status).toBe(503);
    expect(wrongIssuer.headers.get('retry-after')).not.toBeNull();
    expect(calls).toBeGreaterThanOrEqual(2);
    expect((await fetch(`${base}/.well-known/other`)).status).toBe(404);
  });
});

describe('requireMcpAuth', () => {
  it('sets req.auth as the SDK AuthInfo and answers challenges', async () => {
    const app = express();
    const seen: Array<{ auth: unknown; body: unknown }> = [];
    app.all('/mcp', express.json(), requireMcpAuth(makeAuth()), mcpHandler(seen));
    const base = await serve(app);
    const ok = await fetch(`${base}/mcp`, json({ method: 'tools/list' }, { authorization: 'Bearer alice' }));
    expect(await ok.json()).toEqual({ subject: 'alice' });
    expect(seen[0]?.auth).toMatchObject({ token: 'alice', clientId: 'c', scopes: ['mcp:tools'] });
    const none = await fetch(`${base}/mcp`, json({ method: 'tools/list' }));
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('resource_metadata="http://127.0.0.1:1/.well-known/oauth-protected-resource/mcp"');
    expect(none.headers.get('content-type')).toContain('application/json');
    const forbidden = await fetch(`${base}/mcp`, json({ method: 'tools/call', params: { name: 'nuke' } }, { authorization: 'Bearer alice' }));
    expect(forbidden.status).toBe(403);
    expect(seen).toHaveLength(1);
  });

  it('sees every Authorization header, not just the first', async () => {
    const app = express();
    app.all('/mcp', express.json(), requireMcpAuth(makeAuth()), mcpHandler());
    const base = await serve(app);
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${base}/mcp`);
      const req = request(
        { host: url.hostname, port: url.port, path: '/mcp', method: 'POST', headers: ['Authorization', 'Bearer alice', 'Authorization', 'Bearer bob', 'content-type', 'application/json'] as unknown as Record<string, string> },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
    expect(status).toBe(400);
  });

  it('reads an unparsed body for per-tool scopes and hands it on as req.rawBody', async () => {
    const app = express();
    const seen: Array<{ auth: unknown; body: unknown; raw?: string }> = [];
    app.all('/mcp', requireMcpAuth(makeAuth()), mcpHandler(seen));
    const base = await serve(app);
    const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'nuke' } };
    expect((await fetch(`${base}/mcp`, json(call, { authorization: 'Bearer alice' }))).status).toBe(403);
    expect((await fetch(`${base}/mcp`, json(call, { authorization: 'Bearer admin' }))).status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.raw).toBe(JSON.stringify(call));
  });

  it('lets CORS preflights through unauthenticated, and nothing else', async () => {
    const app = express();
    app.all('/mcp', requireMcpAuth(makeAuth()), (req, res) => {
      res.status(req.method === 'OPTIONS' ? 204 : 200).end();
    });
    const base = await serve(app);
    expect((await fetch(`${base}/mcp`, { method: 'OPTIONS', headers: { origin: 'http://127.0.0.1:6274', 'access-control-request-method': 'POST' } })).status).toBe(204);
    expect((await fetch(`${base}/mcp`, { method: 'GET' })).status).toBe(401);
    expect((await fetch(`${base}/mcp`, { method: 'DELETE' })).status).toBe(401);
  });

  it('refuses an oversized unparsed body with 413', async () => {
    const app = express();
    app.all('/mcp', requireMcpAuth(makeAuth(), { bodyLimitBytes: 100 }), mcpHandler());
    const base = await serve(app);
    const res = await fetch(`${base}/mcp`, json({ pad: 'x'.repeat(500) }, { authorization: 'Bearer alice' }));
    expect(res.status).toBe(413);
  });

  it('binds a minted session before the client sees its id, and unbinds on DELETE', async () => {
    const inner = memoryStore();
    let setCalls = 0;
    const slow: Store = {
      ...inner,
      set: async (k, v, t) => {
        setCalls++;
        await new Promise((r) => setTimeout(r, 100));
        return inner.set(k, v, t);
      },
    };
    const auth = makeAuth(slow);
    const app = express();
    app.all('/mcp', express.json(), requireMcpAuth(auth), mcpHandler());
    const base = await serve(app);
    const init = await fetch(`${base}/mcp`, json({ jsonrpc: '2.0', id: 1, method: 'initialize' }, { authorization: 'Bearer alice' }));
    expect(init.headers.get('mcp-session-id')).toBe('sess-1');
    expect(await init.text()).toContain('"result"');
    expect(setCalls).toBe(1);
    const again = await fetch(`${base}/mcp`, json({ method: 'tools/list' }, { authorization: 'Bearer alice', 'mcp-session-id': 'sess-1' }));
    expect(again.status).toBe(200);
    const hijack = await fetch(`${base}/mcp`, json({ method: 'tools/list' }, { authorization: 'Bearer bob', 'mcp-session-id': 'sess-1' }));
    expect(hijack.status).toBe(404);
    const del = await fetch(`${base}/mcp`, { method: 'DELETE', headers: { authorization: 'Bearer alice', 'mcp-session-id': 'sess-1' } });
    expect(del.status).toBe(200);
    await new Promise((r) => setTimeout(r, 20));
    const after = await fetch(`${base}/mcp`, json({ method: 'tools/list' }, { authorization: 'Bearer alice', 'mcp-session-id': 'sess-1' }));
    expect(after.status).toBe(404);
  });

  it('turns a failed binding into 503 without exposing the session id', async () => {
    const broken: Store = { ...memoryStore(), set: async () => Promise.reject(new Error('disk full')) };
    const app = express();
    app.all('/mcp', express.json(), requireMcpAuth(makeAuth(broken)), mcpHandler());
    const base = await serve(app);
    const init = await fetch(`${base}/mcp`, json({ jsonrpc: '2.0', id: 1, method: 'initialize' }, { authorization: 'Bearer alice' }));
    expect(init.status).toBe(503);
    expect(init.headers.get('mcp-session-id')).toBeNull();
    expect(init.headers.get('retry-after')).not.toBeNull();
  });
});
