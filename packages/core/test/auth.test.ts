import { describe, expect, it, vi } from 'vitest';
import { createMcpAuth } from '../src/create-mcp-auth.js';
import type { McpAuthOptions } from '../src/options.js';
import { InvalidTokenError, ServiceUnavailableError } from '../src/errors.js';
import { memoryStore } from '../src/memory-store.js';
import type { Principal, Store, TokenValidator } from '../src/types.js';

const RESOURCE = 'https://mcp.example.com/mcp';

function principal(subject: string, scopes: string[] = ['mcp:tools'], ttl = 3600): Principal {
  return {
    issuer: 'https://as.example.com',
    subject,
    clientId: 'client-1',
    scopes,
    expiresAt: Math.floor(Date.now() / 1000) + ttl,
    audience: [RESOURCE],
    claims: {},
  };
}

function fakeValidator(tokens: Record<string, Principal | Error>): TokenValidator & { calls: number } {
  const v = {
    kind: 'fake',
    calls: 0,
    async validate(token: string) {
      v.calls++;
      await new Promise((r) => setTimeout(r, 5));
      const p = tokens[token];
      if (p === undefined) throw new InvalidTokenError('unknown', { reason: 'signature' });
      if (p instanceof Error) throw p;
      return p;
    },
  };
  return v;
}

function setup(overrides: Partial<McpAuthOptions> = {}, tokens: Record<string, Principal | Error> = {}) {
  const validator = fakeValidator({ alice: principal('alice'), bob: principal('bob'), ...tokens });
  const auth = createMcpAuth({
    resource: RESOURCE,
    authorizationServers: ['https://as.example.com'],
    validator,
    requiredScopes: ['mcp:tools'],
    toolScopes: { delete_page: ['mcp:admin'] },
    logger: { warn: () => undefined, error: () => undefined },
    ...overrides,
  });
  return { auth, validator };
}

// With per-tool scopes configured, a POST must carry a readable JSON-RPC body (fail closed): default to a ping.
const req = (token: string | undefined, extra: Record<string, unknown> = {}) => ({
  method: 'POST',
  authorization: token === undefined ? [] : [`Bearer ${token}`],
  body: { jsonrpc: '2.0', id: 1, method: 'ping' },
  ...extra,
});

async function statusOf(promise: Promise<unknown>, auth: ReturnType<typeof setup>['auth']): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (error) {
    return auth.errorResponse(error).status;
  }
}

describe('createMcpAuth options', () => {
  const base = { resource: RESOURCE, authorizationServers: ['https://as.example.com'], validator: fakeValidator({}) };
  it.each([
    ['resource', { resource: 'not a url' }],
    ['resource', { resource: 'https://h/mcp#frag' }],
    ['authorizationServers', { authorizationServers: [] }],
    ['authorizationServers\\[0\\]', { authorizationServers: ['nope'] }],
    ['validator', { validator: {} }],
    ['requiredScopes', { requiredScopes: ['has space'] }],
    ['toolScopes.x', { toolScopes: { x: 'mcp:admin' } }],
    ['storeTimeoutMs', { storeTimeoutMs: -1 }],
    ['store', { store: { get: 1 } }],
    ['allowedOrigins', { allowedOrigins: 'https://x' }],
  ])('throws a TypeError naming %s', (name, bad) => {
    expect(() => createMcpAuth({ ...base, ...(bad as object) } as McpAuthOptions)).toThrow(new RegExp(name));
    expect(() => createMcpAuth({ ...base, ...(bad as object) } as McpAuthOptions)).toThrow(TypeError);
  });

  it('builds RFC 9728 metadata from configuration, without offline_access', () => {
    const { auth } = setup({ scopesSupported: ['mcp:tools', 'offline_access'] });
    expect(auth.metadata).toEqual({
      resource: RESOURCE,
      authorization_servers: ['https://as.example.com'],
      scopes_supported: ['mcp:tools'],
      bearer_methods_supported: ['header'],
      dpop_signing_alg_values_supported: ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512', 'EdDSA', 'Ed25519'],
    });
  });
});

describe('authenticate', () => {
  it('says until when the credentials hold: exp plus the validator clock tolerance', async () => {
    const p = principal('alice');
    const validator = { kind: 'fake', clockToleranceSeconds: 30, validate: async () => p };
    const { auth } = setup({ validator });
    const result = await auth.authenticate(req('alice'));
    expect(result.validUntil).toBe((p.expiresAt + 30) * 1000);
    expect(() => setup({ validator: { ...validator, clockToleranceSeconds: -1 } })).toThrow(/clockToleranceSeconds/);
  });

  it('reads the body only after the token, the session and the global scopes have passed', async () => {
    const { auth } = setup({}, { narrow: principal('carol', ['other']) });
    let reads = 0;
    const readBody = async () => {
      reads++;
      return { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'delete_page' } };
    };
    for (const token of [undefined, 'unknown', 'narrow']) {
      await expect(auth.authenticate({ method: 'POST', authorization: token === undefined ? [] : [`Bearer ${token}`], readBody })).rejects.toBeDefined();
    }
    await expect(auth.authenticate({ method: 'POST', authorization: ['Bearer bob'], sessionId: 'nope', readBody })).rejects.toMatchObject({
      code: 'ERR_SESSION_NOT_FOUND',
    });
    expect(reads).toBe(0);
    await expect(auth.authenticate({ method: 'POST', authorization: ['Bearer alice'], readBody })).rejects.toMatchObject({ code: 'ERR_INSUFFICIENT_SCOPE' });
    expect(reads).toBe(1);
  });

  it('fails closed when per-tool scopes apply and a POST body is missing or unreadable', async () => {
    const { auth } = setup();
    const post = (body: unknown) => auth.authenticate({ method: 'POST', authorization: ['Bearer alice'], body });
    await expect(auth.authenticate({ method: 'POST', authorization: ['Bearer alice'] })).rejects.toMatchObject({ code: 'ERR_INVALID_REQUEST', jsonRpcCode: -32600 });
    await expect(post({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 7 } })).rejects.toMatchObject({ jsonRpcCode: -32600 });
    await expect(post({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: ['delete_page'] })).rejects.toMatchObject({ jsonRpcCode: -32600 });
    await expect(post([{ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami' } }, 'x'])).rejects.toMatchObject({ jsonRpcCode: -32600 });
    await expect(post({ jsonrpc: '2.0', id: 1, result: {} })).resolves.toBeDefined();
    await expect(auth.authenticate({ method: 'GET', authorization: ['Bearer alice'] })).resolves.toBeDefined();
  });

  it('returns the principal as the SDK AuthInfo', async () => {
    const { auth } = setup();
    const { authInfo, principal: p } = await auth.authenticate(req('alice'));
    expect(p.subject).toBe('alice');
    expect(authInfo).toMatchObject({ token: 'alice', clientId: 'client-1', scopes: ['mcp:tools'], resource: new URL(RESOURCE) });
    expect(authInfo.extra?.['principal']).toBe(p);
  });

  it('maps every failure to its status', async () => {
    const { auth } = setup({}, {
      reader: principal('r', []),
      down: new ServiceUnavailableError('jwks down', { dependency: 'jwks' }),
      weird: new Error('boom'),
      noexp: { ...principal('n'), expiresAt: Number.NaN },
    });
    expect(await statusOf(auth.authenticate(req(undefined)), auth)).toBe(401);
    expect(await statusOf(auth.authenticate(req('nobody')), auth)).toBe(401);
    expect(await statusOf(auth.authenticate(req('reader')), auth)).toBe(403);
    expect(await statusOf(auth.authenticate(req('alice', { body: { method: 'tools/call', params: { name: 'delete_page' } } })), auth)).toBe(403);
    expect(await statusOf(auth.authenticate(req('down')), auth)).toBe(503);
    expect(await statusOf(auth.authenticate(req('weird')), auth)).toBe(500);
    expect(await statusOf(auth.authenticate(req('noexp')), auth)).toBe(401);
    expect(await statusOf(auth.authenticate(req('alice', { tokenInQuery: true })), auth)).toBe(400);
  });

  it('validates a repeat token once and coalesces concurrent first uses', async () => {
    const { auth, validator } = setup();
    await Promise.all(Array.from({ length: 20 }, () => auth.authenticate(req('alice'))));
    await auth.authenticate(req('alice'));
    expect(validator.calls).toBe(1);
  });

  it('does not cache refusals', async () => {
    const { auth, validator } = setup();
    await expect(auth.authenticate(req('nobody'))).rejects.toThrow();
    await expect(auth.authenticate(req('nobody'))).rejects.toThrow();
    expect(validator.calls).toBe(2);
  });
});

describe('session binding', () => {
  it('lets only the binding principal use a session and forgets it on unbind', async () => {
    const { auth } = setup();
    const alice = await auth.authenticate(req('alice'));
    await auth.bindSession('s-1', alice.principal);
    await expect(auth.authenticate(req('alice', { sessionId: 's-1' }))).resolves.toBeDefined();
    expect(await statusOf(auth.authenticate(req('bob', { sessionId: 's-1' })), auth)).toBe(404);
    expect(await statusOf(auth.authenticate(req('alice', { sessionId: 'never-bound' })), auth)).toBe(404);
    await auth.unbindSession('s-1');
    expect(await statusOf(auth.authenticate(req('alice', { sessionId: 's-1' })), auth)).toBe(404);
  });

  it('binds identity, not token bytes, so a refreshed token keeps the session', async () => {
    const { auth } = setup({}, { 'alice-refreshed': principal('alice') });
    const first = await auth.authenticate(req('alice'));
    await auth.bindSession('s-2', first.principal);
    await expect(auth.authenticate(req('alice-refreshed', { sessionId: 's-2' }))).resolves.toBeDefined();
  });

  it('stores only a hash of the session id', async () => {
    const inner = memoryStore();
    const keys: string[] = [];
    const spy: Store = { ...inner, set: (k, v, t) => (keys.push(k), inner.set(k, v, t)) };
    const { auth } = setup({ store: spy });
    await auth.bindSession('plain-session-id', (await auth.authenticate(req('alice'))).principal);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^mcpgate:v1:session:/);
    expect(keys[0]).not.toContain('plain-session-id');
  });

  it('fails closed with 503 when the store hangs', async () => {
    const hanging: Store = { ...memoryStore(), get: () => new Promise(() => undefined) };
    const { auth } = setup({ store: hanging, storeTimeoutMs: 50 });
    const started = Date.now();
    expect(await statusOf(auth.authenticate(req('alice', { sessionId: 's' })), auth)).toBe(503);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('origin check', () => {
  it('allows its own origin and refuses others with 403', async () => {
    const { auth } = setup();
    await expect(auth.authenticate(req('alice', { origin: 'https://mcp.example.com' }))).resolves.toBeDefined();
    expect(await statusOf(auth.authenticate(req('alice', { origin: 'https://evil.example' })), auth)).toBe(403);
  });

  it('allows loopback origins for a loopback resource by default', async () => {
    const { auth } = setup({ resource: 'http://127.0.0.1:3000/mcp' });
    await expect(auth.authenticate(req('alice', { origin: 'http://localhost:6274' }))).resolves.toBeDefined();
    expect(await statusOf(auth.authenticate(req('alice', { origin: 'http://rebind.example' })), auth)).toBe(403);
  });
});

describe('memory store warning', () => {
  it('warns once when used in production', () => {
    const warn = vi.fn();
    const previous = process.env['NODE_ENV'];
    process.env['NODE_ENV'] = 'production';
    try {
      memoryStore({ logger: { warn, error: vi.fn() } });
    } finally {
      process.env['NODE_ENV'] = previous;
    }
    expect(warn).toHaveBeenCalledOnce();
  });
});

describe('validator-suggested cache lifetime', () => {
  it('never reuses a verdict longer than the validator allows', async () => {
    const validator = fakeValidator({ alice: principal('alice') });
    const counted = { kind: 'fake', maxCacheTtlMs: 0, validate: (t: string, c: { resource: string }) => validator.validate(t, c) };
    const auth = createMcpAuth({ resource: RESOURCE, authorizationServers: ['https://as'], validator: counted });
    await auth.authenticate(req('alice'));
    await auth.authenticate(req('alice'));
    expect(validator.calls).toBe(2);
  });
});
