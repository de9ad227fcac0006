/**
 * MCP_AUTH_DPOP through the example PROCESS (`examples/mcp-server/dist/main.js`, what `npm start` runs), with the
 * real dev AS and the real SDK 2.x client implementing `dpop()`: with `MCP_AUTH_DPOP=required` OAuth and `whoami`
 * work with a DPoP-bound token, and a bearer token is refused 401 with `WWW-Authenticate: DPoP …`. A bad value
 * stops the process with exit code 2, naming the variable.
 */
import { startDevAuthorizationServer, type DevAuthorizationServer } from '@mcpgate/example-dev-authorization-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startExampleProcess, type ExampleProcess } from './helpers/process.js';
import { credentialsOf, DpopOAuthProvider, jwtParts, recordWire } from './helpers/sdk2-dpop.js';
import { connectSdk2 } from './helpers/sdk2-oauth.js';
import { initialize, post, tokenFor } from './helpers/stack.js';

describe('examples/mcp-server as a process with MCP_AUTH_DPOP=required', () => {
  let as: DevAuthorizationServer;
  let proc: ExampleProcess | undefined;
  let resource: string;

  beforeAll(async () => {
    const port = await freePort();
    resource = `http://127.0.0.1:${port}/mcp`;
    as = await startDevAuthorizationServer({ resource });
    proc = await startExampleProcess({ MCP_AUTH_ISSUER: as.issuer, MCP_AUTH_STORE: 'memory', MCP_AUTH_DPOP: 'required' }, { port });
  });
  afterAll(async () => {
    await proc?.stop();
    await as?.close();
  });

  it('says so at startup and in its RFC 9728 metadata', async () => {
    expect(proc!.output()).toContain('DPoP: required (DPoP-bound tokens with a proof on every request; Bearer tokens refused)');
    const metadata = (await (await fetch(`http://127.0.0.1:${proc!.port}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({ resource, dpop_bound_access_tokens_required: true });
    expect(metadata['dpop_signing_alg_values_supported']).toEqual(expect.arrayContaining(['ES256', 'EdDSA', 'PS256']));
  });

  it('the SDK 2.x client with dpop(): OAuth gives it a DPoP-bound token, whoami works, every request carries a proof', async () => {
    const provider = new DpopOAuthProvider({ login: 'alice' });
    const wire = recordWire();
    const { client } = await connectSdk2(proc!.mcpUrl, provider, { fetch: wire.fetch });
    try {
      const result = (await client.callTool({ name: 'whoami', arguments: {} })) as { content: Array<{ text: string }> };
      expect(JSON.parse(result.content[0]?.text ?? '{}')).toMatchObject({ subject: 'alice', scopes: ['mcp:tools'] });
    } finally {
      await client.close();
    }
    expect(provider.tokens()?.token_type).toBe('DPoP');
    expect(jwtParts(provider.tokens()?.access_token as string).payload).toMatchObject({ sub: 'alice', cnf: { jkt: await provider.thumbprint() } });
    expect(wire.to(proc!.mcpUrl)[0]?.response['www-authenticate']).toMatch(/^DPoP resource_metadata="[^"]+", scope="mcp:tools", algs="[^"]+"$/);
    const withToken = wire.to(proc!.mcpUrl).filter((e) => e.request['authorization'] !== undefined);
    expect(withToken.length).toBeGreaterThan(0);
    for (const e of withToken) {
      expect(credentialsOf(e.request['authorization'])?.scheme).toBe('DPoP');
      expect(jwtParts(e.request['dpop'] as string).payload).toMatchObject({ htm: e.method, htu: proc!.mcpUrl });
      expect(e.status).toBeLessThan(300);
    }
  });

  it('a bearer token is refused: 401 with WWW-Authenticate: DPoP error="invalid_token" (no Bearer challenge)', async () => {
    const bearer = await tokenFor(as, resource, 'alice');
    expect(bearer.token_type).toBe('Bearer');
    const refused = await post(proc!.mcpUrl, initialize, { authorization: `Bearer ${bearer.access_token}` });
    expect(refused.status).toBe(401);
    const challenge = refused.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/^DPoP error="invalid_token", error_description="this resource accepts only DPoP-bound access tokens, with the DPoP scheme and a proof", resource_metadata="[^"]+", scope="mcp:tools", algs="[^"]+"$/);
    expect(challenge).not.toMatch(/Bearer/);
    expect(JSON.parse(refused.text)).toEqual({ error: 'invalid_token', error_description: 'this resource accepts only DPoP-bound access tokens, with the DPoP scheme and a proof' });
  });
});

describe('examples/mcp-server as a process with a bad MCP_AUTH_DPOP', () => {
  let as: DevAuthorizationServer;
  beforeAll(async () => {
    as = await startDevAuthorizationServer({ resource: 'http://127.0.0.1:1/mcp' });
  });
  afterAll(async () => {
    await as?.close();
  });

  it('exits with code 2 and names MCP_AUTH_DPOP', async () => {
    const error = await startExampleProcess({ MCP_AUTH_ISSUER: as.issuer, MCP_AUTH_STORE: 'memory', MCP_AUTH_DPOP: 'sometimes' }).then(
      async (p) => {
        await p.stop();
        return new Error('started');
      },
      (e: unknown) => e as Error,
    );
    expect(error.message).toMatch(/exited with 2/);
    expect(error.message).toMatch(/configuration error: MCP_AUTH_DPOP must be "off", "allowed" or "required", got "sometimes"/);
  });
});
