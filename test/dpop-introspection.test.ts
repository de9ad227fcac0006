/**
 * DPoP with OPAQUE access tokens validated by RFC 7662 introspection (`MCP_AUTH_VALIDATOR=introspection`): the dev AS
 * introspects a DPoP-bound token as `token_type: "DPoP"` with `cnf.jkt` (RFC 9449 §6.2: "If the token_type member is
 * included in the introspection response, it MUST contain the value DPoP"), and mcpgate must take the binding from
 * that `cnf` (in the cached verdict too) and accept the token with a proof by that key.
 *
 * The first describe drives the real answers (`token_type: "DPoP"`: the introspection validator once refused every
 * token_type but `bearer` and `access_token`, which locked DPoP clients out of opaque-token servers). The second
 * removes `token_type` from the answers and shows that the binding comes from the introspection `cnf` alone.
 */
import type { DevAuthorizationServer } from '@mcpgate/example-dev-authorization-server';
import { introspectionValidator } from '@mcpgate/introspection-validator';
import { DpopSession, type Client } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { credentialsOf, DpopOAuthProvider, recordWire, type Exchange } from './helpers/sdk2-dpop.js';
import { connectSdk2 } from './helpers/sdk2-oauth.js';
import { startStack, type Stack } from './helpers/stack.js';

const silent = { warn: () => undefined, error: () => undefined };
const stacks: Stack[] = [];
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((stack) => stack.close()));
});

/** The example (SDK 1.x server) with opaque tokens and the introspection validator, as `MCP_AUTH_VALIDATOR=introspection` has it. */
async function introspectionStack(dpop: 'allowed' | 'required', fetchForValidator?: typeof fetch): Promise<Stack> {
  const stack = await startStack({
    as: { accessTokenFormat: 'opaque' },
    auth: { dpop },
    validator: (as) =>
      introspectionValidator({
        issuer: as.issuer,
        clientId: as.introspectionClient.clientId,
        clientSecret: as.introspectionClient.clientSecret,
        cacheTtlSeconds: 60,
        logger: silent,
        ...(fetchForValidator !== undefined ? { fetch: fetchForValidator } : {}),
      }),
  });
  stacks.push(stack);
  return stack;
}

async function introspect(as: DevAuthorizationServer, token: string): Promise<Record<string, unknown>> {
  const { clientId, clientSecret } = as.introspectionClient;
  const response = await fetch(`${as.issuer}/token/introspection`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
    body: new URLSearchParams({ token }),
  });
  return (await response.json()) as Record<string, unknown>;
}

async function whoami(client: Client): Promise<string> {
  const result = (await client.callTool({ name: 'whoami', arguments: {} })) as { content: Array<{ text: string }> };
  return (JSON.parse(result.content[0]?.text ?? '{}') as { subject: string }).subject;
}

describe('DPoP-bound opaque tokens through the introspection validator (token_type "DPoP" with cnf.jkt)', () => {
  it.each(['allowed', 'required'] as const)('dpop %s: the SDK 2.x client with dpop() signs in and calls whoami, twice (the second verdict from the cache)', async (dpop) => {
    const stack = await introspectionStack(dpop);
    const provider = new DpopOAuthProvider({ login: 'alice' });
    const wire = recordWire();
    const connection = await connectSdk2(stack.mcpUrl, provider, { fetch: wire.fetch }).catch((error: unknown) => {
      const refused = wire.to(stack.mcpUrl).filter((e) => e.request['authorization'] !== undefined);
      throw new Error(`${String(error)}; the answers to the DPoP token: ${refused.map((e) => `${e.status} ${e.response['www-authenticate']}`).join(' | ')}`);
    });
    try {
      expect(await whoami(connection.client)).toBe('alice');
      expect(await whoami(connection.client)).toBe('alice');
    } finally {
      await connection.client.close();
    }
    expect(provider.tokens()?.token_type).toBe('DPoP');
  });
});

describe('the binding comes from the introspection cnf (token_type removed from the answers)', () => {
  /** The validator's fetch, dropping `token_type` from introspection answers: the rest of each answer, `cnf` included, unchanged. */
  const withoutTokenType: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const body = (await response.json()) as Record<string, unknown>;
    delete body['token_type'];
    return new Response(JSON.stringify(body), { status: response.status, headers: { 'content-type': 'application/json' } });
  };

  it('dpop required: the dev AS introspects the token as DPoP-bound (cnf.jkt = the session thumbprint); whoami works; the token as Bearer or with another key is refused', async () => {
    const stack = await introspectionStack('required', withoutTokenType);
    const provider = new DpopOAuthProvider({ login: 'alice' });
    const wire = recordWire();
    const { client } = await connectSdk2(stack.mcpUrl, provider, { fetch: wire.fetch });
    try {
      expect(await whoami(client)).toBe('alice');
      expect(await whoami(client)).toBe('alice');
    } finally {
      await client.close();
    }
    const token = provider.tokens()?.access_token as string;
    expect(token.split('.')).toHaveLength(1); // opaque
    expect(await introspect(stack.as, token)).toMatchObject({ active: true, sub: 'alice', token_type: 'DPoP', cnf: { jkt: await provider.thumbprint() } });

    const call = wire.to(stack.mcpUrl).find((e) => e.status === 200 && e.requestBody?.includes('"tools/call"') === true) as Exchange;
    expect(credentialsOf(call.request['authorization'])).toEqual({ scheme: 'DPoP', token });
    const send = (headers: Record<string, string>) => fetch(stack.mcpUrl, { method: 'POST', headers, body: call.requestBody as string });
    const { dpop: _proof, ...withoutProof } = call.request;
    const asBearer = await send({ ...withoutProof, authorization: `Bearer ${token}` });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_token"/);
    const thief = await DpopSession.create();
    const otherKey = await send({ ...call.request, dpop: await thief.buildProof({ htm: 'POST', htu: stack.mcpUrl, accessToken: token }) });
    expect(otherKey.status).toBe(401);
    expect(otherKey.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_token", error_description="the DPoP proof key is not the key the access token is bound to"/);
  });
});
