import { describe, expect, it } from 'vitest';
import { createMcpAuth } from '../src/create-mcp-auth.js';
import { InvalidTokenError } from '../src/errors.js';
import type { McpAuthEvent } from '../src/telemetry/events.js';
import type { Principal } from '../src/types.js';

const RESOURCE = 'https://mcp.example.com/mcp';
const principal = (subject: string): Principal => ({
  issuer: 'https://as.example.com',
  subject,
  clientId: 'c',
  scopes: ['mcp:tools'],
  expiresAt: Math.floor(Date.now() / 1000) + 3600,
  audience: [RESOURCE],
  claims: {},
});

function setup(maxSessionsPerPrincipal?: number) {
  const events: McpAuthEvent[] = [];
  const auth = createMcpAuth({
    resource: RESOURCE,
    authorizationServers: ['https://as.example.com'],
    validator: {
      kind: 'fake',
      async validate(token) {
        if (token === 'alice' || token === 'mallory') return principal(token);
        throw new InvalidTokenError('unknown', { reason: 'signature' });
      },
    },
    logger: { warn: () => undefined, error: () => undefined },
    onEvent: (event) => events.push(event),
    ...(maxSessionsPerPrincipal !== undefined ? { maxSessionsPerPrincipal } : {}),
  });
  const use = (token: string, sessionId: string) =>
    auth.authenticate({ method: 'POST', authorization: [`Bearer ${token}`], sessionId, body: { jsonrpc: '2.0', id: 1, method: 'ping' } }).then(
      () => 200,
      (error: unknown) => auth.errorResponse(error).status,
    );
  return { auth, events, use };
}

describe('maxSessionsPerPrincipal', () => {
  it("binding one more unbinds the principal's least recently used session, never another principal's", async () => {
    const { auth, events, use } = setup(3);
    await auth.bindSession('alice-1', principal('alice'));
    for (const id of ['m-1', 'm-2', 'm-3']) await auth.bindSession(id, principal('mallory'));
    expect(await use('mallory', 'm-1')).toBe(200); // m-1 is now the most recent; m-2 the least
    await auth.bindSession('m-4', principal('mallory'));
    expect(await use('mallory', 'm-2')).toBe(404);
    for (const id of ['m-1', 'm-3', 'm-4']) expect(await use('mallory', id)).toBe(200);
    for (let i = 5; i < 50; i++) await auth.bindSession(`m-${i}`, principal('mallory'));
    expect(await use('alice', 'alice-1')).toBe(200);
    const unbound = events.filter((e) => e.type === 'session.unbound');
    expect(unbound).toHaveLength(46);
    expect(unbound[0]).toMatchObject({ principal: { subject: 'mallory' } });
  });

  it('defaults to 100 and checks its value', async () => {
    const { auth, use } = setup();
    for (let i = 0; i < 101; i++) await auth.bindSession(`a-${i}`, principal('alice'));
    expect(await use('alice', 'a-0')).toBe(404);
    expect(await use('alice', 'a-1')).toBe(200);
    expect(() => setup(0)).toThrow(/maxSessionsPerPrincipal/);
    expect(() => setup(1.5)).toThrow(/maxSessionsPerPrincipal/);
  });
});
