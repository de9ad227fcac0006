/**
 * Every row of the status table in ARCHITECTURE.md, against the real dev authorization server and the
 * example server, over real HTTP.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forger } from './helpers/forge.js';
import { callWhoami, initialize, openSession, post, rpcResult, startStack, tokenFor, type Stack } from './helpers/stack.js';

let stack: Stack;
let alice: string;
let bob: string;
let forge: Awaited<ReturnType<typeof forger>>;

beforeAll(async () => {
  stack = await startStack();
  alice = (await tokenFor(stack.as, stack.resource, 'alice')).access_token;
  bob = (await tokenFor(stack.as, stack.resource, 'bob')).access_token;
  forge = await forger(stack.as, stack.resource);
});
afterAll(async () => {
  await stack.close();
});

const metadataUrl = () => `${stack.origin}/.well-known/oauth-protected-resource/mcp`;

function rawRequest(headers: Array<[string, string]>, path = '/mcp'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const url = new URL(stack.mcpUrl);
  return new Promise((resolve, reject) => {
    const flat = headers.flat();
    const body = JSON.stringify(initialize);
    const req = request(
      { host: url.hostname, port: url.port, path, method: 'POST', headers: [...flat, 'content-type', 'application/json', 'accept', 'application/json, text/event-stream', 'content-length', String(Buffer.byteLength(body))] as unknown as Record<string, string> },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('discovery', () => {
  it('serves RFC 9728 metadata at the path form and the root form, with CORS', async () => {
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const res = await fetch(`${stack.origin}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(await res.json()).toEqual({
        resource: stack.resource,
        authorization_servers: [stack.as.issuer],
        scopes_supported: ['mcp:tools', 'mcp:admin'],
        bearer_methods_supported: ['header'],
        dpop_signing_alg_values_supported: ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512', 'EdDSA', 'Ed25519'],
      });
    }
    const preflight = await fetch(metadataUrl(), { method: 'OPTIONS', headers: { origin: 'http://x', 'access-control-request-method': 'GET' } });
    expect(preflight.status).toBe(204);
  });
});

describe('discovery for 2025-03-26 clients', () => {
  it('mirrors the authorization server metadata at the MCP origin', async () => {
    const mirrored = await fetch(`${stack.origin}/.well-known/oauth-authorization-server`);
    expect(mirrored.status).toBe(200);
    const direct = await (await fetch(`${stack.as.issuer}/.well-known/oauth-authorization-server`)).json();
    expect(await mirrored.json()).toEqual(direct);
  });
});

describe('status table', () => {
  it('no credentials → 401 with resource_metadata and scope, no error code', async () => {
    const res = await post(stack.mcpUrl, initialize);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${metadataUrl()}", scope="mcp:tools", DPoP algs="ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512 EdDSA Ed25519"`);
  });

  it.each([
    ['lower-case scheme with two tokens', 'bearer a b'],
    ['Basic credentials', 'Basic YWxpY2U6c2VjcmV0'],
    ['empty bearer', 'Bearer '],
    ['a quoted token', 'Bearer "abc"'],
  ])('malformed header (%s) → 400 invalid_request', async (_name, value) => {
    const res = await post(stack.mcpUrl, initialize, { authorization: value });
    expect(res.status).toBe(400);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_request"');
    expect(res.headers.get('www-authenticate')).toContain(`resource_metadata="${metadataUrl()}"`);
  });

  it('token in the query string → 400, even next to a valid header', async () => {
    const alone = await post(`${stack.mcpUrl}?access_token=${alice}`, initialize);
    expect(alone.status).toBe(400);
    const both = await post(`${stack.mcpUrl}?access_token=${alice}`, initialize, { authorization: `Bearer ${alice}` });
    expect(both.status).toBe(400);
    expect(both.text).not.toContain(alice);
  });

  it('two Authorization headers → 400', async () => {
    const res = await rawRequest([['Authorization', `Bearer ${alice}`], ['Authorization', `Bearer ${bob}`]]);
    expect(res.status).toBe(400);
  });

  it('non-ASCII, empty and 20 kB headers → 4xx, never 5xx', async () => {
    const nonAscii = await rawRequest([['Authorization', 'Bearer abc\u00e9\u00e8']]);
    expect(nonAscii.status).toBe(400);
    const empty = await rawRequest([['Authorization', '']]);
    expect(empty.status).toBe(400);
    const huge = await rawRequest([['Authorization', `Bearer ${'a'.repeat(20_000)}`]]);
    expect(huge.status).toBeGreaterThanOrEqual(400);
    expect(huge.status).toBeLessThan(500);
  });

  it('bad token → 401 invalid_token with resource_metadata', async () => {
    const res = await post(stack.mcpUrl, initialize, { authorization: 'Bearer not-a-jwt' });
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/^Bearer error="invalid_token"/);
    expect(challenge).toContain(`resource_metadata="${metadataUrl()}"`);
  });

  it('valid but missing the required scope → 403 insufficient_scope listing every needed scope', async () => {
    const adminOnly = (await tokenFor(stack.as, stack.resource, 'alice', 'mcp:admin')).access_token;
    const res = await post(stack.mcpUrl, initialize, { authorization: `Bearer ${adminOnly}` });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope", scope="mcp:tools"');
  });

  it('per-tool step-up: a tools/call of an admin tool → 403 with scope="mcp:tools mcp:admin"', async () => {
    const session = await openSession(stack.mcpUrl, alice);
    const res = await post(
      stack.mcpUrl,
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'admin_only', arguments: {} } },
      { authorization: `Bearer ${alice}`, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' },
    );
    expect(res.status).toBe(403);
    const challenge = res.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="mcp:tools mcp:admin"');
    expect(challenge).toContain(`resource_metadata="${metadataUrl()}"`);
    const viaHeader = await post(stack.mcpUrl, callWhoami(), {
      authorization: `Bearer ${alice}`,
      'mcp-session-id': session,
      'mcp-protocol-version': '2025-06-18',
      'mcp-name': 'admin_only',
    });
    expect(viaHeader.status).toBe(400);
  });

  it('a session bound to another user → 404, byte for byte like an unknown session', async () => {
    const session = await openSession(stack.mcpUrl, alice);
    const hijack = await post(stack.mcpUrl, callWhoami(), { authorization: `Bearer ${bob}`, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' });
    const unknown = await post(stack.mcpUrl, callWhoami(), { authorization: `Bearer ${bob}`, 'mcp-session-id': 'no-such-session', 'mcp-protocol-version': '2025-06-18' });
    expect(hijack.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(hijack.text).toBe(unknown.text);
    const owner = await post(stack.mcpUrl, callWhoami(), { authorization: `Bearer ${alice}`, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' });
    expect(owner.status).toBe(200);
    expect(JSON.parse(rpcResult(owner.text).result?.content?.[0]?.text ?? '{}').subject).toBe('alice');
  });

  it('a session requires a token on every request, even its owner’s', async () => {
    const session = await openSession(stack.mcpUrl, alice);
    const res = await post(stack.mcpUrl, callWhoami(), { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' });
    expect(res.status).toBe(401);
  });

  it('DELETE ends the session and unbinds it', async () => {
    const session = await openSession(stack.mcpUrl, alice);
    const del = await fetch(stack.mcpUrl, { method: 'DELETE', headers: { authorization: `Bearer ${alice}`, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' } });
    expect(del.status).toBe(200);
    const after = await post(stack.mcpUrl, callWhoami(), { authorization: `Bearer ${alice}`, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' });
    expect(after.status).toBe(404);
  });

  it('a refused Origin → 403', async () => {
    const res = await post(stack.mcpUrl, initialize, { authorization: `Bearer ${alice}`, origin: 'http://evil.example' });
    expect(res.status).toBe(403);
  });
});

describe('refused tokens → 401 invalid_token', () => {
  const cases: Array<[string, () => Promise<string> | string]> = [
    ['alg none', () => forge.algNone()],
    ['HS256 signed with the public key', () => forge.hs256WithPublicKey()],
    ['a foreign key with the same kid', () => forge.foreignKeySameKid()],
    ['a tampered payload', () => forge.tampered()],
    ['a wrong issuer', () => forge.wrongIssuer()],
    ['a wrong audience (forged)', () => forge.wrongAudience()],
    ['expired', () => forge.expired()],
    ['not yet valid', () => forge.notYetValid()],
    ['no exp', () => forge.noExp()],
  ];
  it.each(cases)('%s', async (_name, make) => {
    const token = await make();
    const res = await post(stack.mcpUrl, initialize, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
  });

  it('a token the real AS issued for another resource (wrong audience)', async () => {
    const { clientId, clientSecret } = stack.as.testClient;
    const res = await fetch(`${stack.as.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: 'http://127.0.0.1:1/other', scope: 'mcp:tools' }),
    });
    expect(res.status).toBe(200);
    const { access_token } = (await res.json()) as { access_token: string };
    const answer = await post(stack.mcpUrl, initialize, { authorization: `Bearer ${access_token}` });
    expect(answer.status).toBe(401);
  });

  it('the control: a token forged with the real key and correct claims is accepted', async () => {
    const res = await post(stack.mcpUrl, initialize, { authorization: `Bearer ${await forge.valid()}` });
    expect(res.status).toBe(200);
  });
});

describe('dependency outage → 503 + Retry-After, never 401', () => {
  it('answers 503 while the authorization server is down, and recovers without a restart', async () => {
    const outage = await startStack();
    const token = (await tokenFor(outage.as, outage.resource, 'alice')).access_token;
    const { port } = outage.as;
    await outage.as.close();
    const down = await post(outage.mcpUrl, initialize, { authorization: `Bearer ${token}` });
    expect(down.status).toBe(503);
    expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(down.headers.get('www-authenticate')).toBeNull();
    const { startDevAuthorizationServer } = await import('@mcpgate/example-dev-authorization-server');
    const back = await startDevAuthorizationServer({ resource: outage.resource, port });
    try {
      const fresh = (await tokenFor(back, outage.resource, 'alice')).access_token;
      const deadline = Date.now() + 15_000;
      let status = 0;
      while (Date.now() < deadline) {
        status = (await post(outage.mcpUrl, initialize, { authorization: `Bearer ${fresh}` })).status;
        if (status === 200) break;
        expect(status).toBe(503);
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(status).toBe(200);
    } finally {
      await back.close();
      await outage.close().catch(() => undefined);
    }
  });
});
