/**
 * DPoP (RFC 9449) end to end with the real MCP SDK 2.x client (`@modelcontextprotocol/client` 2.4): its
 * `OAuthClientProvider` implements `dpop()` and returns one `DpopSession`, against both examples, each with the
 * real development authorization server (oidc-provider 9.13.3; DCR, PKCE, consent through its forms):
 *
 * - examples/mcp-server (SDK 1.x server, Express + @mcpgate/express-adapter), in-process (`startStack`);
 * - examples/mcp-server-v2 (SDK 2.x server, Hono + @mcpgate/web), in-process (`startStackV2`).
 *
 * Every test reads the wire through the client's own `fetch`: what the token endpoint got and answered
 * (`token_type`), the `Authorization: DPoP` scheme and the proof of every MCP request, the nonce retry.
 */
import { createHash } from 'node:crypto';
import { DPOP_ALGORITHMS, type McpAuthOptions } from '@mcpgate/core';
import { connectWithOAuth, ScriptedOAuthClientProvider } from '@mcpgate/example-mcp-server';
import { DPOP_SIGNING_ALGORITHMS, type DevAuthorizationServer, type DevAuthorizationServerOptions } from '@mcpgate/example-dev-authorization-server';
import { DPOP_SUPPORTED_ALGS, DpopSession, type Client, type DpopAlg } from '@modelcontextprotocol/client';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { credentialsOf, DpopOAuthProvider, jwtParts, recordWire, type Exchange, type WireRecorder } from './helpers/sdk2-dpop.js';
import { connectSdk2, HeadlessOAuthProvider } from './helpers/sdk2-oauth.js';
import { startStackV2 } from './helpers/stack-v2.js';
import { initialize, post, startStack, tokenFor } from './helpers/stack.js';

interface RunningExample {
  readonly as: DevAuthorizationServer;
  readonly mcpUrl: string;
  readonly resource: string;
  close(): Promise<void>;
}
type StartOptions = { readonly as?: Partial<DevAuthorizationServerOptions>; readonly auth?: Partial<McpAuthOptions> };

const EXAMPLES: Array<[string, (options: StartOptions) => Promise<RunningExample>]> = [
  ['examples/mcp-server (SDK 1.x server, Express)', (options) => startStack(options)],
  ['examples/mcp-server-v2 (SDK 2.x server, Hono + @mcpgate/web)', (options) => startStackV2(options)],
];

const running: RunningExample[] = [];
async function start(factory: (options: StartOptions) => Promise<RunningExample>, options: StartOptions): Promise<RunningExample> {
  const example = await factory(options);
  running.push(example);
  return example;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((example) => example.close()));
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ath = (token: string) => createHash('sha256').update(token, 'ascii').digest('base64url');

async function whoami(client: Client): Promise<{ subject: string; scopes: string[] }> {
  const result = (await client.callTool({ name: 'whoami', arguments: {} })) as { content: Array<{ text: string }>; isError?: boolean };
  expect(result.isError).not.toBe(true);
  return JSON.parse(result.content[0]?.text ?? '{}') as { subject: string; scopes: string[] };
}

/** The token endpoint requests of `grantType`, with their proofs and answers. */
function tokenRequests(wire: WireRecorder, grantType: string): Exchange[] {
  return wire.tokenRequests().filter((e) => new URLSearchParams(e.requestBody ?? '').get('grant_type') === grantType);
}

/**
 * RFC 9449 §4.2 at the token endpoint: a `DPoP` proof (typ dpop+jwt, the session's alg, its public jwk) for
 * POST on the token endpoint, no `ath`; and the answer: 200, `token_type: DPoP`.
 */
async function expectTokenProof(exchange: Exchange, as: DevAuthorizationServer, thumbprint: string, alg: DpopAlg = 'ES256'): Promise<void> {
  const proof = exchange.request['dpop'];
  expect(proof, 'the token request carries a DPoP proof').toBeDefined();
  const { header, payload } = jwtParts(proof as string);
  expect(header).toMatchObject({ typ: 'dpop+jwt', alg });
  expect(header.jwk).not.toHaveProperty('d');
  expect(await calculateJwkThumbprint(header.jwk as JWK)).toBe(thumbprint);
  expect(payload).toMatchObject({ htm: 'POST', htu: `${as.issuer}/token` });
  expect(typeof payload.jti).toBe('string');
  expect(payload).not.toHaveProperty('ath');
  expect(exchange.status).toBe(200);
  expect(exchange.tokenResponse?.['token_type']).toBe('DPoP');
}

/**
 * Every MCP request that carried a token: `Authorization: DPoP <token>` (never Bearer) and one proof for this
 * request (htm, htu = the MCP URL, ath = SHA-256 of the token, a fresh jti, the session key). Returns them.
 */
async function expectResourceProofs(wire: WireRecorder, mcpUrl: string, thumbprint: string, alg: DpopAlg = 'ES256'): Promise<Array<{ exchange: Exchange; payload: Record<string, unknown> }>> {
  const withToken = wire.to(mcpUrl).filter((e) => e.request['authorization'] !== undefined);
  expect(withToken.length).toBeGreaterThan(0);
  const seen = new Set<string>();
  const proofs = [];
  for (const exchange of withToken) {
    const credentials = credentialsOf(exchange.request['authorization']);
    expect(credentials?.scheme).toBe('DPoP');
    const { header, payload } = jwtParts(exchange.request['dpop'] as string);
    expect(header).toMatchObject({ typ: 'dpop+jwt', alg });
    expect(header.jwk).not.toHaveProperty('d');
    expect(await calculateJwkThumbprint(header.jwk as JWK)).toBe(thumbprint);
    expect(payload).toMatchObject({ htm: exchange.method, htu: mcpUrl, ath: ath(credentials?.token as string) });
    expect(Math.abs((payload.iat as number) - Date.now() / 1000)).toBeLessThan(60);
    expect(seen.has(payload.jti as string), 'every proof has a new jti').toBe(false);
    seen.add(payload.jti as string);
    proofs.push({ exchange, payload });
  }
  return proofs;
}

describe.each(EXAMPLES)('DPoP with the SDK 2.x client: %s', (_name, factory) => {
  it.each([
    ['allowed (the default)', undefined],
    ['required', 'required' as const],
  ])('dpop %s: full OAuth (DCR, PKCE, consent) yields a DPoP-bound token (token_type DPoP, cnf.jkt = the session thumbprint); whoami works', async (_mode, dpop) => {
    const example = await start(factory, dpop === undefined ? {} : { auth: { dpop } });
    const provider = new DpopOAuthProvider({ login: 'alice' });
    const wire = recordWire();
    const { client } = await connectSdk2(example.mcpUrl, provider, { fetch: wire.fetch });
    try {
      expect(await whoami(client)).toMatchObject({ subject: 'alice', scopes: ['mcp:tools'] });
    } finally {
      await client.close();
    }
    const thumbprint = await provider.thumbprint();

    // the first answer: the challenge the client started OAuth from
    const first = wire.to(example.mcpUrl)[0] as Exchange;
    expect(first.status).toBe(401);
    if (dpop === 'required') {
      expect(first.response['www-authenticate']).toMatch(/^DPoP resource_metadata="[^"]+", scope="mcp:tools", algs="[^"]*ES256[^"]*"$/);
    } else {
      expect(first.response['www-authenticate']).toMatch(/^Bearer resource_metadata="[^"]+", scope="mcp:tools", DPoP algs="[^"]*ES256[^"]*"$/);
    }
    // the code exchange carried a proof and got a DPoP token bound to the session key
    const exchanges = tokenRequests(wire, 'authorization_code');
    expect(exchanges).toHaveLength(1);
    await expectTokenProof(exchanges[0] as Exchange, example.as, thumbprint);
    expect(provider.savedTokens.map((t) => t.token_type)).toEqual(['DPoP']);
    const token = provider.tokens()?.access_token as string;
    expect(jwtParts(token).payload).toMatchObject({ sub: 'alice', aud: example.resource, cnf: { jkt: thumbprint } });
    // every MCP request with the token: the DPoP scheme and a proof for it, and the tool call went through
    const proofs = await expectResourceProofs(wire, example.mcpUrl, thumbprint);
    expect(proofs.some(({ exchange }) => exchange.status === 200 && exchange.requestBody?.includes('"tools/call"') === true)).toBe(true);
    expect(wire.to(example.mcpUrl).filter((e) => e.status === 401)).toHaveLength(1);
  });

  it('refresh after expiry (dpop required, 2 s tokens): the client refreshes with a proof, gets a new DPoP-bound token for the same key and keeps working', async () => {
    const example = await start(factory, { as: { accessTokenTtlSeconds: 2 }, auth: { dpop: 'required' } });
    const provider = new DpopOAuthProvider({ login: 'alice' });
    const wire = recordWire();
    const { client } = await connectSdk2(example.mcpUrl, provider, { fetch: wire.fetch });
    const thumbprint = await provider.thumbprint();
    let refreshToken: string;
    try {
      expect((await whoami(client)).subject).toBe('alice');
      const firstToken = provider.tokens()?.access_token as string;
      const refreshesBefore = example.as.stats.refreshGrants;
      await sleep(3_200);
      expect((await whoami(client)).subject).toBe('alice');

      // the expired token was refused with a DPoP challenge, then refreshed with a proof. Against the SDK 1.x
      // server the client also holds a GET stream, which the server ends when the token expires: its reconnect
      // and the whoami can both meet the expired token, and the SDK client refreshes once per refusal (a race
      // in the client, seen under load). So: at least one refusal, every one of the expired token with the
      // same challenge, and at most one refresh per refusal, each with a proof by the same key.
      const refused = wire.to(example.mcpUrl).filter((e) => e.status === 401 && e.request['authorization'] !== undefined);
      expect(refused.length).toBeGreaterThanOrEqual(1);
      for (const r of refused) {
        expect(r.response['www-authenticate']).toMatch(/^DPoP error="invalid_token", error_description="the access token is invalid or expired", /);
        expect(credentialsOf(r.request['authorization'])).toEqual({ scheme: 'DPoP', token: firstToken });
      }
      const refreshes = tokenRequests(wire, 'refresh_token');
      expect(refreshes.length).toBeGreaterThanOrEqual(1);
      expect(refreshes.length).toBeLessThanOrEqual(refused.length);
      expect(example.as.stats.refreshGrants).toBe(refreshesBefore + refreshes.length);
      for (const refresh of refreshes) await expectTokenProof(refresh as Exchange, example.as, thumbprint);
      expect(provider.savedTokens.map((t) => t.token_type)).toEqual(['DPoP', ...refreshes.map(() => 'DPoP')]);
      const secondToken = provider.tokens()?.access_token as string;
      expect(secondToken).not.toBe(firstToken);
      expect(jwtParts(secondToken).payload).toMatchObject({ sub: 'alice', cnf: { jkt: thumbprint } });
      // the new token was presented with the DPoP scheme and a proof (ath of the new token)
      const proofs = await expectResourceProofs(wire, example.mcpUrl, thumbprint);
      expect(proofs.at(-1)?.payload['ath']).toBe(ath(secondToken));
      expect(proofs.at(-1)?.exchange.status).toBe(200);
      refreshToken = provider.tokens()?.refresh_token as string;
    } finally {
      await client.close();
    }
    // the public client's refresh token is bound to the key too: without a proof the AS refuses it
    const withoutProof = await fetch(`${example.as.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: provider.clientInformation()?.client_id as string }),
    });
    expect(withoutProof.status).toBe(400);
    expect(((await withoutProof.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it("the nonce challenge (dpop { mode: 'allowed', requireNonce: true }): 401 use_dpop_nonce with a DPoP-Nonce, the client retries by itself with the nonce and succeeds", async () => {
    const example = await start(factory, { auth: { dpop: { mode: 'allowed', requireNonce: true } } });
    const provider = new DpopOAuthProvider({ login: 'alice' });
    const wire = recordWire();
    const { client } = await connectSdk2(example.mcpUrl, provider, { fetch: wire.fetch });
    try {
      expect((await whoami(client)).subject).toBe('alice');
      expect((await whoami(client)).subject).toBe('alice');
    } finally {
      await client.close();
    }
    const proofs = await expectResourceProofs(wire, example.mcpUrl, await provider.thumbprint());
    const [challenged, retried, ...rest] = proofs;
    // the first request with the token: no nonce yet, so 401 use_dpop_nonce and a nonce to use
    expect(challenged?.exchange.status).toBe(401);
    expect(challenged?.payload).not.toHaveProperty('nonce');
    expect(challenged?.exchange.response['www-authenticate']).toMatch(/^DPoP error="use_dpop_nonce", error_description="[^"]+", resource_metadata="[^"]+", algs="[^"]+", Bearer$/);
    const nonce = challenged?.exchange.response['dpop-nonce'];
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(challenged?.exchange.response['cache-control']).toBe('no-store');
    // the SDK's retry: same request, a new proof (new jti) with that nonce, accepted
    expect(retried?.exchange.status).toBe(200);
    expect(retried?.exchange.requestBody).toBe(challenged?.exchange.requestBody);
    expect(retried?.payload['nonce']).toBe(nonce);
    // the client kept the nonce: every later proof carries it, and nothing else was challenged
    expect(rest.length).toBeGreaterThan(0);
    for (const { exchange, payload } of rest) {
      expect(payload['nonce']).toBe(nonce);
      expect(exchange.status).not.toBe(401);
    }
    expect(wire.to(example.mcpUrl).filter((e) => e.response['www-authenticate']?.includes('use_dpop_nonce') === true)).toHaveLength(1);
  });

  it("a bearer token against dpop 'required' is refused with a DPoP challenge; an SDK 2.x client without dpop() cannot get in", async () => {
    const example = await start(factory, { auth: { dpop: 'required' } });
    const bearer = await tokenFor(example.as, example.resource, 'alice');
    expect(bearer.token_type).toBe('Bearer');
    const refused = await post(example.mcpUrl, initialize, { authorization: `Bearer ${bearer.access_token}` });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(
      /^DPoP error="invalid_token", error_description="this resource accepts only DPoP-bound access tokens, with the DPoP scheme and a proof", resource_metadata="[^"]+", scope="mcp:tools", algs="[^"]+"$/,
    );
    expect(JSON.parse(refused.text)).toMatchObject({ error: 'invalid_token' });

    // the same SDK client without dpop(): OAuth gives it Bearer tokens, which are refused every time
    const provider = new HeadlessOAuthProvider({ login: 'alice' });
    const wire = recordWire();
    await expect(connectSdk2(example.mcpUrl, provider, { fetch: wire.fetch })).rejects.toThrow(/Server returned 401 after re-authentication/);
    expect(provider.savedTokens.length).toBeGreaterThan(0);
    expect(provider.savedTokens.every((t) => t.token_type === 'Bearer')).toBe(true);
    const withToken = wire.to(example.mcpUrl).filter((e) => e.request['authorization'] !== undefined);
    expect(withToken.length).toBeGreaterThan(0);
    for (const e of withToken) {
      expect(e.request['dpop']).toBeUndefined();
      expect(e.status).toBe(401);
      expect(e.response['www-authenticate']).toMatch(/^DPoP error="invalid_token"/);
    }
  });

  it('at the HTTP level: a captured proof replayed gets 401 invalid_dpop_proof; a fresh proof passes; the bound token as Bearer or with another key is refused', async () => {
    const example = await start(factory, {});
    const provider = new DpopOAuthProvider({ login: 'alice' });
    const wire = recordWire();
    const { client } = await connectSdk2(example.mcpUrl, provider, { fetch: wire.fetch });
    try {
      expect((await whoami(client)).subject).toBe('alice');
      const call = wire.to(example.mcpUrl).find((e) => e.status === 200 && e.requestBody?.includes('"tools/call"') === true) as Exchange;
      expect(call).toBeDefined();
      const token = credentialsOf(call.request['authorization'])?.token as string;
      const send = (headers: Record<string, string>) => fetch(example.mcpUrl, { method: 'POST', headers, body: call.requestBody as string });

      // the very request the client sent, byte for byte: its proof's jti has been seen
      const replay = await send(call.request);
      expect(replay.status).toBe(401);
      expect(replay.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof", error_description="the DPoP proof has been used before \(jti\)", resource_metadata="[^"]+", algs="[^"]+", Bearer$/);
      expect(await replay.json()).toMatchObject({ error: 'invalid_dpop_proof' });

      // the same request with a fresh proof of the same session: accepted (the replay is what was refused)
      const session = await provider.session;
      const fresh = await send({ ...call.request, dpop: await session.buildProof({ htm: 'POST', htu: example.mcpUrl, accessToken: token }) });
      expect(fresh.status).toBe(200);
      expect(await fresh.text()).toContain('alice');

      // RFC 9449 §7.2: the bound token as a bearer token is refused (no downgrade)
      const { dpop: _proof, ...withoutProof } = call.request;
      const downgraded = await send({ ...withoutProof, authorization: `Bearer ${token}` });
      expect(downgraded.status).toBe(401);
      expect(downgraded.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_token", error_description="the access token is bound to a key: present it with the DPoP scheme and a proof"/);

      // a valid proof by another key: the token is bound to the session's key, not this one
      const thief = await DpopSession.create();
      const stolen = await send({ ...call.request, dpop: await thief.buildProof({ htm: 'POST', htu: example.mcpUrl, accessToken: token }) });
      expect(stolen.status).toBe(401);
      expect(stolen.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_token", error_description="the DPoP proof key is not the key the access token is bound to"/);

      // the client itself still works: its next proofs are new
      expect((await whoami(client)).subject).toBe('alice');
    } finally {
      await client.close();
    }
  });
  it("dpop 'off': Bearer only — the DPoP scheme is 400 invalid_request, a DPoP-bound token as Bearer 401 invalid_token, an unbound bearer token works", async () => {
    const example = await start(factory, { auth: { dpop: 'off' } });
    // the client with dpop() still gets a DPoP-bound token from the AS, and cannot present it here
    const provider = new DpopOAuthProvider({ login: 'alice' });
    const wire = recordWire();
    await expect(connectSdk2(example.mcpUrl, provider, { fetch: wire.fetch })).rejects.toThrow(/invalid_request/);
    expect(wire.to(example.mcpUrl)[0]?.response['www-authenticate']).toMatch(/^Bearer resource_metadata="[^"]+", scope="mcp:tools"$/);
    const refused = wire.to(example.mcpUrl).filter((e) => e.request['authorization'] !== undefined);
    expect(refused.length).toBeGreaterThan(0);
    for (const e of refused) {
      expect(credentialsOf(e.request['authorization'])?.scheme).toBe('DPoP');
      expect(e.status).toBe(400);
      expect(e.response['www-authenticate']).toMatch(/^Bearer error="invalid_request", error_description="the Authorization scheme must be Bearer"/);
    }
    const bound = provider.tokens()?.access_token as string;
    expect(jwtParts(bound).payload).toMatchObject({ cnf: { jkt: await provider.thumbprint() } });
    const downgraded = await post(example.mcpUrl, initialize, { authorization: `Bearer ${bound}` });
    expect(downgraded.status).toBe(401);
    expect(downgraded.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", error_description="the access token is bound to a key[^"]*"/);
    expect(downgraded.headers.get('www-authenticate')).not.toMatch(/algs=|, DPoP/); // no DPoP challenge
    const bearer = await tokenFor(example.as, example.resource, 'alice');
    expect((await post(example.mcpUrl, initialize, { authorization: `Bearer ${bearer.access_token}` })).status).toBe(200);
  });
});

describe('the SDK 1.x client (no DPoP) against examples/mcp-server', () => {
  it("works with dpop 'allowed' (Bearer tokens) and cannot get in with dpop 'required'", async () => {
    const allowed = await start(startStack, {});
    const first = await connectWithOAuth(allowed.mcpUrl, new ScriptedOAuthClientProvider('alice'));
    try {
      const result = (await first.client.callTool({ name: 'whoami', arguments: {} })) as { content: Array<{ text: string }> };
      expect(JSON.parse(result.content[0]?.text ?? '{}')).toMatchObject({ subject: 'alice' });
    } finally {
      await first.client.close();
    }
    const required = await start(startStack, { auth: { dpop: 'required' } });
    const provider = new ScriptedOAuthClientProvider('alice');
    await expect(connectWithOAuth(required.mcpUrl, provider)).rejects.toThrow(/401|Unauthorized/);
    expect(provider.tokens()?.token_type).toBe('Bearer');
  });
});

describe('every proof algorithm the SDK 2.x client offers works end to end (dev AS and mcpgate, dpop required)', () => {
  it('the dev AS advertises (and accepts) every one of them, as mcpgate does', async () => {
    const example = await start(startStack, {});
    const discovery = (await (await fetch(`${example.as.issuer}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(discovery['dpop_signing_alg_values_supported']).toEqual([...DPOP_SIGNING_ALGORITHMS]);
    expect(DPOP_SIGNING_ALGORITHMS).toEqual(expect.arrayContaining([...DPOP_SUPPORTED_ALGS]));
    expect([...DPOP_SIGNING_ALGORITHMS].sort()).toEqual([...DPOP_ALGORITHMS].sort());
  });

  it.each(DPOP_SUPPORTED_ALGS)('%s', async (alg) => {
    const example = await start(startStack, { auth: { dpop: 'required' } });
    const provider = new DpopOAuthProvider({ login: 'bob', alg });
    const wire = recordWire();
    const { client } = await connectSdk2(example.mcpUrl, provider, { fetch: wire.fetch });
    try {
      expect((await whoami(client)).subject).toBe('bob');
    } finally {
      await client.close();
    }
    const thumbprint = await provider.thumbprint();
    await expectTokenProof(tokenRequests(wire, 'authorization_code')[0] as Exchange, example.as, thumbprint, alg);
    expect(jwtParts(provider.tokens()?.access_token as string).payload).toMatchObject({ cnf: { jkt: thumbprint } });
    await expectResourceProofs(wire, example.mcpUrl, thumbprint, alg);
  });
});
