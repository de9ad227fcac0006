/**
 * Step-up authorization end to end: a user signed in with `mcp:tools` calls `admin_whoami`, which needs
 * `mcp:admin`; mcpgate answers 403 `insufficient_scope` with `scope="mcp:tools mcp:admin"` (every scope the
 * call needs), and each real SDK client does what it does with that. This pins what each client does, so
 * the README section "Step-up: what each SDK client does on a 403" stays true:
 *
 * (a) SDK 2.x (`@modelcontextprotocol/client`), every version-negotiation mode: asks for the union of the
 *     old and challenged scopes, never tries a refresh, throws `UnauthorizedError`; the host calls
 *     `finishAuth` and retries; the call runs.
 * (b) SDK 1.x without a refresh token: asks for the challenged scope, throws `UnauthorizedError`; the host
 *     calls `finishAuth` and retries; the call runs.
 * (c) SDK 1.x with a refresh token: refreshes (which cannot widen the scope), gets the same 403 and throws
 *     "Server returned 403 after trying upscoping". Its host must drop the tokens and authorize again with the
 *     challenged scope.
 */
import { ScriptedOAuthClientProvider, connectWithOAuth, type ConnectedClient } from '@mcpgate/example-mcp-server';
import { UnauthorizedError as Sdk2UnauthorizedError, type VersionNegotiationMode } from '@modelcontextprotocol/client';
import { UnauthorizedError as Sdk1UnauthorizedError, auth as sdk1Auth } from '@modelcontextprotocol/sdk/client/auth.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { challengeParam, recordingFetch, type RecordingFetch } from './helpers/http-log.js';
import { HeadlessOAuthProvider, connectSdk2 } from './helpers/sdk2-oauth.js';
import { startStackV2, type StackV2 } from './helpers/stack-v2.js';
import { startStack, type Stack } from './helpers/stack.js';

const TOOL_SCOPES = { admin_whoami: ['mcp:admin'] };
const ADMIN_CHALLENGE = /^Bearer error="insufficient_scope", scope="mcp:tools mcp:admin", resource_metadata="[^"]+"/;

let example: Stack; // the example server (SDK 1.x server), as `npm start` runs it
let sdk2: StackV2; // the SDK 2.x example server (examples/mcp-server-v2): the 2026-07-28 era needs one

beforeAll(async () => {
  [example, sdk2] = await Promise.all([startStack({ auth: { toolScopes: TOOL_SCOPES } }), startStackV2({ auth: { toolScopes: TOOL_SCOPES } })]);
});

afterAll(async () => {
  await Promise.all([example?.close(), sdk2?.close()]);
});

/** The JSON `whoami` / `admin_whoami` answer with. */
function who(result: unknown): { subject: string; scopes: string[] } {
  const content = (result as { content?: Array<{ text?: string }> }).content;
  return JSON.parse(content?.[0]?.text ?? 'null') as { subject: string; scopes: string[] };
}

/** The `scope` claim of a JWT access token, as a sorted list. */
function tokenScopes(accessToken: string | undefined): string[] {
  const payload = JSON.parse(Buffer.from(accessToken?.split('.')[1] ?? '', 'base64url').toString('utf8')) as { scope?: string };
  return (payload.scope ?? '').split(' ').filter(Boolean).sort();
}

const scopeSet = (scope: string | undefined): string[] => (scope ?? '').split(' ').filter(Boolean).sort();

/** The 403s the MCP endpoint answered. */
const mcp403s = (log: RecordingFetch) => log.exchanges.filter((e) => e.url.pathname === '/mcp' && e.status === 403);

describe('(a) SDK 2.x client: union of scopes, no refresh, UnauthorizedError → finishAuth → retry', () => {
  it.each([
    ['the example server (SDK 1.x)', 'legacy', '2025-11-25'],
    ['the example server (SDK 1.x)', 'auto', '2025-11-25'], // the server/discover probe falls back to initialize
    ['an SDK 2.x server', 'legacy', '2025-11-25'],
    ['an SDK 2.x server', 'auto', '2026-07-28'],
    ['an SDK 2.x server', { pin: '2026-07-28' }, '2026-07-28'],
  ] as const)('%s, versionNegotiation %j (negotiates %s)', async (server, mode, negotiated) => {
    const stack = server.startsWith('the example') ? example : sdk2;
    const log = recordingFetch();
    const provider = new HeadlessOAuthProvider({ login: 'alice' }); // registers the refresh_token grant: it gets a refresh token
    const { client, transport } = await connectSdk2(stack.mcpUrl, provider, { mode: mode as VersionNegotiationMode, fetch: log.fetch });
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe(negotiated);
      expect(who(await client.callTool({ name: 'whoami', arguments: {} }))).toMatchObject({ subject: 'alice', scopes: ['mcp:tools'] });
      expect(provider.savedTokens[0]?.refresh_token).toEqual(expect.any(String));
      expect(provider.authorizationUrls).toHaveLength(1);

      // the 403 makes it authorize again, for the union, and throw UnauthorizedError
      const error = await client.callTool({ name: 'admin_whoami', arguments: {} }).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(Sdk2UnauthorizedError);
      expect(mcp403s(log)).toHaveLength(1);
      expect(mcp403s(log)[0]?.wwwAuthenticate).toMatch(ADMIN_CHALLENGE);
      // the union of the old scope and the challenged one; the SDK adds offline_access (the AS lists it and the
      // client registered the refresh_token grant), which the dev AS leaves out of tokens for the MCP resource
      expect(provider.requestedScopes).toEqual(['mcp:tools offline_access', 'mcp:tools mcp:admin offline_access']);
      // no refresh was tried (a refresh cannot widen the scope): the only token request so far is the first code exchange
      expect(log.tokenRequests().map((form) => form.get('grant_type'))).toEqual(['authorization_code']);

      // the host completes the authorization and retries, on the same client (and, on the 2025 era of the example, the same MCP session)
      const session = transport.sessionId;
      expect(session === undefined).toBe(stack === sdk2); // the SDK 2.x server serves the 2025 era statelessly
      await transport.finishAuth(provider.lastCallbackParams());
      expect(log.tokenRequests().map((form) => form.get('grant_type'))).toEqual(['authorization_code', 'authorization_code']);
      expect(who(await client.callTool({ name: 'admin_whoami', arguments: {} }))).toMatchObject({ subject: 'alice', scopes: ['mcp:tools', 'mcp:admin'] });
      expect(tokenScopes(provider.tokens()?.access_token)).toEqual(['mcp:admin', 'mcp:tools']);
      expect(transport.sessionId).toBe(session);
      expect(mcp403s(log)).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it('pinned to 2026-07-28, refuses the SDK 1.x example server (no 2026-07-28 in server/discover), after signing in', async () => {
    const provider = new HeadlessOAuthProvider({ login: 'alice' });
    await expect(connectSdk2(example.mcpUrl, provider, { mode: { pin: '2026-07-28' } })).rejects.toMatchObject({ code: 'ERA_NEGOTIATION_FAILED' });
    expect(provider.savedTokens).toHaveLength(1);
  });
});

/** An SDK 1.x client signed in as alice with `mcp:tools`, `whoami` checked. */
async function sdk1Client(grantTypes: string[]): Promise<{ connected: ConnectedClient; provider: ScriptedOAuthClientProvider; log: RecordingFetch }> {
  const log = recordingFetch();
  const provider = new ScriptedOAuthClientProvider('alice', { grantTypes });
  const connected = await connectWithOAuth(example.mcpUrl, provider, { fetch: log.fetch });
  expect(who(await connected.client.callTool({ name: 'whoami', arguments: {} }))).toMatchObject({ subject: 'alice', scopes: ['mcp:tools'] });
  expect(provider.requestedScopes).toEqual(['mcp:tools']); // the 401 challenge's scope
  return { connected, provider, log };
}

describe('(b) SDK 1.x client without a refresh token: challenged scope, UnauthorizedError → finishAuth → retry', () => {
  it('completes the step-up', async () => {
    const { connected, provider, log } = await sdk1Client(['authorization_code']);
    try {
      expect(provider.savedTokens[0]?.refresh_token).toBeUndefined();
      await expect(connected.client.callTool({ name: 'admin_whoami', arguments: {} })).rejects.toBeInstanceOf(Sdk1UnauthorizedError);
      expect(mcp403s(log).map((e) => e.wwwAuthenticate)).toEqual([expect.stringMatching(ADMIN_CHALLENGE)]);
      // it asks for exactly the challenged scope; mcpgate's challenge lists every scope the call needs, so nothing is lost
      expect(provider.requestedScopes).toEqual(['mcp:tools', 'mcp:tools mcp:admin']);

      await connected.transport.finishAuth(provider.codes.at(-1) as string);
      expect(who(await connected.client.callTool({ name: 'admin_whoami', arguments: {} }))).toMatchObject({ subject: 'alice', scopes: ['mcp:tools', 'mcp:admin'] });
      expect(tokenScopes(provider.tokens()?.access_token)).toEqual(['mcp:admin', 'mcp:tools']);
      expect(log.tokenRequests().map((form) => form.get('grant_type'))).toEqual(['authorization_code', 'authorization_code']);
    } finally {
      await connected.client.close();
    }
  });
});

describe('(c) SDK 1.x client with a refresh token: refreshes, and fails', () => {
  /** Signs in with a refresh token, and calls admin_whoami: the observed failure. */
  async function failedStepUp() {
    const client = await sdk1Client(['authorization_code', 'refresh_token']);
    expect(client.provider.savedTokens[0]?.refresh_token).toEqual(expect.any(String));
    await expect(client.connected.client.callTool({ name: 'admin_whoami', arguments: {} })).rejects.toThrow('Server returned 403 after trying upscoping');
    return client;
  }

  it('refreshes instead of authorizing (a refresh cannot widen the scope), gets the same 403, and throws', async () => {
    const { connected, provider, log } = await failedStepUp();
    try {
      expect(provider.requestedScopes).toEqual(['mcp:tools']); // no new authorization
      const refreshes = log.tokenRequests().filter((form) => form.get('grant_type') === 'refresh_token');
      expect(refreshes).toHaveLength(1);
      expect(refreshes[0]?.has('scope')).toBe(false); // RFC 6749 §6: a refresh keeps the granted scope (it could only narrow it)
      expect(scopeSet(provider.savedTokens.at(-1)?.scope)).toEqual(['mcp:tools']);
      expect(mcp403s(log).map((e) => e.wwwAuthenticate)).toEqual([expect.stringMatching(ADMIN_CHALLENGE), expect.stringMatching(ADMIN_CHALLENGE)]);
    } finally {
      await connected.client.close();
    }
  });

  it('dropping the tokens and retrying is not enough: it re-authorizes with the 401 scope, then gives up on the same 403', async () => {
    const { connected, provider, log } = await failedStepUp();
    try {
      provider.invalidateCredentials('tokens');
      await expect(connected.client.callTool({ name: 'admin_whoami', arguments: {} })).rejects.toBeInstanceOf(Sdk1UnauthorizedError);
      // the request without a token got a 401, whose scope (the server's required scopes: the body is not read
      // before the credentials) replaced the challenged one
      expect(challengeParam(log.challenges(401).at(-1) as string, 'scope')).toBe('mcp:tools');
      expect(provider.requestedScopes).toEqual(['mcp:tools', 'mcp:tools']);
      await connected.transport.finishAuth(provider.codes.at(-1) as string);
      // the transport remembers it already tried this 403 and throws without another authorization
      await expect(connected.client.callTool({ name: 'admin_whoami', arguments: {} })).rejects.toThrow('Server returned 403 after trying upscoping');
      expect(provider.requestedScopes).toHaveLength(2);
    } finally {
      await connected.client.close();
    }
  });

  it('works when its host drops the tokens and authorizes again with the challenged scope', async () => {
    const { connected, provider, log } = await failedStepUp();
    try {
      // the scope of the last 403 (a host sees it by passing its own fetch to the transport)
      const challenged = challengeParam(mcp403s(log).at(-1)?.wwwAuthenticate as string, 'scope');
      expect(challenged).toBe('mcp:tools mcp:admin');
      provider.invalidateCredentials('tokens'); // else auth() would refresh again
      expect(await sdk1Auth(provider, { serverUrl: example.mcpUrl, scope: challenged, fetchFn: log.fetch })).toBe('REDIRECT');
      expect(provider.requestedScopes.at(-1)).toBe('mcp:tools mcp:admin');
      await connected.transport.finishAuth(provider.codes.at(-1) as string);
      expect(who(await connected.client.callTool({ name: 'admin_whoami', arguments: {} }))).toMatchObject({ subject: 'alice', scopes: ['mcp:tools', 'mcp:admin'] });
      expect(tokenScopes(provider.tokens()?.access_token)).toEqual(['mcp:admin', 'mcp:tools']);
      expect(provider.tokens()?.refresh_token).toEqual(expect.any(String)); // and later refreshes keep both scopes
    } finally {
      await connected.client.close();
    }
  });
});
