/**
 * The compatibility matrix, end to end: every real MCP client against every example server, in-process,
 * with the real development authorization server.
 *
 * - clients: SDK 1.x (`@modelcontextprotocol/sdk` 1.32) and SDK 2.x (`@modelcontextprotocol/client` 2.4)
 *   with `versionNegotiation` `'legacy'`, `'auto'` and `{ pin: '2026-07-28' }`;
 * - servers: examples/mcp-server (SDK 1.x, Express, sessions) and examples/mcp-server-v2 (SDK 2.x
 *   `createMcpHandler` on Hono: 2025 clients served statelessly, 2026-07-28 natively).
 *
 * Each cell checks: (1) the whole OAuth flow (401, discovery, dynamic registration, PKCE, consent posted
 * as alice; no token fetched beforehand); (2) `whoami`; (3) session binding, or that no session is minted;
 * (4) refresh after expiry, done by the client itself; (5) step-up on `admin_whoami`; (6) a state handle
 * only its owner can recall; (7) on the 2026-07-28 era, `whoami_confirmed` (`input_required` with a
 * `requestState` sealed for the caller). A cell that cannot work asserts its documented failure.
 *
 * One authorization server and one MCP server per server kind are shared by the cells: access tokens live
 * 3 s and the validator has no clock tolerance, so tokens expire (and are refreshed) all along. Each cell
 * has its own OAuth clients (a fresh dynamic registration per user), so cells do not share tokens.
 */
import { auth as sdk1Auth } from '@modelcontextprotocol/sdk/client/auth.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { challengeParam } from './helpers/http-log.js';
import {
  clientLabel,
  jwtExpiry,
  jwtScopes,
  matrixUser,
  resultText,
  sleep,
  type ClientSpec,
  type MatrixClient,
  type MatrixLog,
  type MatrixUser,
  type ToolResult,
} from './helpers/matrix-clients.js';
import { retryAfterAuthorization } from './helpers/sdk2-oauth.js';
import { startStackV2, type StackV2 } from './helpers/stack-v2.js';
import { initialize, post, rpcResult, startStack, type Stack } from './helpers/stack.js';

const ACCESS_TOKEN_TTL_SECONDS = 3;
const ADMIN_CHALLENGE = /^Bearer error="insufficient_scope", scope="mcp:tools mcp:admin", resource_metadata="[^"]+"/;
const MODERN = '2026-07-28';
const LEGACY = '2025-11-25';

type ServerKind = 'mcp-server' | 'mcp-server-v2';
const stacks = {} as Record<ServerKind, Stack | StackV2>;

beforeAll(async () => {
  const as = { accessTokenTtlSeconds: ACCESS_TOKEN_TTL_SECONDS };
  [stacks['mcp-server'], stacks['mcp-server-v2']] = await Promise.all([
    startStack({ as, auth: { toolScopes: { admin_whoami: ['mcp:admin'] } }, clockToleranceSeconds: 0 }),
    startStackV2({ as, auth: { toolScopes: { admin_whoami: ['mcp:admin'] } }, clockToleranceSeconds: 0 }),
  ]);
});

afterAll(async () => {
  await Promise.all(Object.values(stacks).map((stack) => stack.close()));
});

const CLIENTS: readonly ClientSpec[] = [{ sdk: 1 }, { sdk: 2, mode: 'legacy' }, { sdk: 2, mode: 'auto' }, { sdk: 2, mode: { pin: MODERN } }];
const SERVERS: readonly ServerKind[] = ['mcp-server', 'mcp-server-v2'];

interface Cell {
  readonly name: string;
  readonly client: ClientSpec;
  readonly server: ServerKind;
  /** The pinned SDK 2.x client against the SDK 1.x server: it signs in, then fails era negotiation. */
  readonly eraFails: boolean;
  /** The protocol version the client ends up speaking. */
  readonly version: string;
}

const CELLS: Cell[] = SERVERS.flatMap((server) =>
  CLIENTS.map((client): Cell => {
    const pinned = client.sdk === 2 && typeof client.mode === 'object';
    const probes = client.sdk === 2 && client.mode !== 'legacy';
    return {
      name: `${clientLabel(client)} × ${server}`,
      client,
      server,
      eraFails: pinned && server === 'mcp-server',
      version: probes && server === 'mcp-server-v2' ? MODERN : LEGACY,
    };
  }),
);

/** The JSON `whoami`, `admin_whoami` and `whoami_confirmed` answer with. */
function who(result: ToolResult): { subject: string; clientId: string; scopes: string[]; confirmed?: boolean } {
  return JSON.parse(resultText(result)) as { subject: string; clientId: string; scopes: string[]; confirmed?: boolean };
}

const mcp403s = (log: MatrixLog) => log.exchanges.filter((e) => e.url.pathname === '/mcp' && e.status === 403);
const grants = (log: MatrixLog) => log.tokenRequests().map((form) => form.get('grant_type'));
const refreshGrants = (log: MatrixLog) => grants(log).filter((grant) => grant === 'refresh_token').length;

/**
 * An access token of `user` valid for at least `marginMs` more: when the one it holds is about to expire,
 * waits for the expiry and makes the client refresh by itself (a `whoami` call).
 */
async function freshToken(user: MatrixUser, client: MatrixClient, marginMs = 1_000): Promise<string> {
  const remaining = jwtExpiry(user.accessToken()) * 1000 - Date.now();
  if (remaining < marginMs) {
    await sleep(remaining + 100);
    expect(who(await client.callTool('whoami')).subject).toBe(user.login);
  }
  return user.accessToken() as string;
}

describe.each(CELLS.map((cell) => [cell.name, cell] as const))('%s', (_name, cell) => {
  const stack = () => stacks[cell.server];
  const alice = matrixUser(cell.client, 'alice');
  const bobUser = matrixUser(cell.client, 'bob');
  let a: MatrixClient | undefined;
  let b: MatrixClient | undefined;

  const connected = (): MatrixClient => {
    if (a === undefined) throw new Error('alice is not connected: check (1) failed');
    return a;
  };
  const bob = async (): Promise<MatrixClient> => {
    b ??= await bobUser.connect(stack().mcpUrl);
    return b;
  };
  /** What every check of the cell that cannot work asserts: connecting again, signed in, fails the same way, with no new authorization. */
  const eraNegotiationFails = async (): Promise<void> => {
    await expect(alice.connect(stack().mcpUrl)).rejects.toMatchObject({ code: 'ERA_NEGOTIATION_FAILED' });
    expect(alice.requestedScopes()).toHaveLength(1);
  };
  const documented = (check: string, failure: string) => `${check} — documented failure: ${failure}`;
  const ERA = 'ERA_NEGOTIATION_FAILED (no 2026-07-28 on the SDK 1.x server)';

  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it(cell.eraFails ? documented('(1) OAuth: DCR, PKCE, consent as alice', `signs in, then ${ERA}`) : '(1) OAuth: DCR, PKCE, consent as alice', async () => {
    if (cell.eraFails) {
      await expect(alice.connect(stack().mcpUrl)).rejects.toMatchObject({ code: 'ERA_NEGOTIATION_FAILED' });
      // the server/discover probe it is pinned to reached the SDK 1.x server (authenticated), which refused it
      const probes = alice.log.rpcs.filter((rpc) => rpc.method === 'server/discover');
      expect(probes.length).toBeGreaterThan(0);
      expect(alice.log.rpcs.some((rpc) => rpc.method === 'initialize')).toBe(false);
      expect(alice.log.exchanges.filter((e) => e.url.pathname === '/mcp').at(-1)?.status).toBe(400);
    } else {
      a = await alice.connect(stack().mcpUrl);
      expect(a.protocolVersion()).toBe(cell.version);
    }
    const { log } = alice;
    // the first MCP request had no token: 401 with the resource metadata URL (and no error)
    const first = log.exchanges.find((e) => e.url.pathname === '/mcp');
    expect(first?.status).toBe(401);
    expect(challengeParam(first?.wwwAuthenticate ?? '', 'resource_metadata')).toMatch(/\/\.well-known\/oauth-protected-resource\/mcp$/);
    expect(first?.wwwAuthenticate).not.toContain('error=');
    expect(log.exchanges.some((e) => e.url.pathname.startsWith('/.well-known/oauth-protected-resource') && e.status === 200)).toBe(true);
    // dynamic client registration at the dev AS
    expect(log.exchanges.filter((e) => e.method === 'POST' && e.url.pathname === '/reg').map((e) => e.status)).toEqual([201]);
    expect(alice.clientId()).toEqual(expect.any(String));
    // one authorization request, with PKCE (S256) and the resource indicator, consented to as alice
    expect(alice.requestedScopes()).toHaveLength(1);
    const authorization = (alice.provider.authorizationUrls[0] as URL).searchParams;
    expect(authorization.get('client_id')).toBe(alice.clientId());
    expect(authorization.get('code_challenge_method')).toBe('S256');
    expect(authorization.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(authorization.get('resource')).toBe(stack().resource);
    expect(authorization.get('scope')?.split(' ')).toContain('mcp:tools');
    // one code exchange, with the verifier
    const exchanges = log.tokenRequests();
    expect(exchanges.map((form) => form.get('grant_type'))).toEqual(['authorization_code']);
    expect(exchanges[0]?.get('code_verifier')).toMatch(/^[\w.~-]{43,128}$/);
    expect(jwtScopes(alice.accessToken())).toEqual(['mcp:tools']);
  });

  it(cell.eraFails ? documented('(2) whoami answers alice', ERA) : '(2) whoami answers alice', async () => {
    if (cell.eraFails) return eraNegotiationFails();
    expect(who(await connected().callTool('whoami'))).toEqual({ subject: 'alice', clientId: alice.clientId(), scopes: ['mcp:tools'] });
  });

  const sessionCheck = cell.server === 'mcp-server' ? "(3) session binding: alice's session is refused (404) with bob's token" : '(3) no sessions: the SDK 2.x server mints none';
  it(cell.eraFails ? documented(sessionCheck, ERA) : sessionCheck, async () => {
    if (cell.eraFails) return eraNegotiationFails();
    const client = connected();
    const sessionId = client.sessionId();
    if (cell.server === 'mcp-server-v2') {
      expect(sessionId).toBeUndefined();
      expect(client.log.mintedSessions).toEqual([]);
      expect(client.log.rpcs.every((rpc) => rpc.sessionId === null)).toBe(true);
      // a 2025 initialize is served statelessly: no Mcp-Session-Id
      const res = await post(stack().mcpUrl, initialize, { authorization: `Bearer ${await freshToken(alice, client)}` });
      expect(res.status).toBe(200);
      expect(res.headers.get('mcp-session-id')).toBeNull();
      return;
    }
    // the SDK 1.x server minted exactly one session for this client, and the client uses it
    expect(sessionId).toEqual(expect.any(String));
    expect(client.log.mintedSessions).toEqual([sessionId]);
    const other = await bob();
    expect(who(await other.callTool('whoami')).subject).toBe('bob');
    expect(other.sessionId()).toEqual(expect.any(String));
    expect(other.sessionId()).not.toBe(sessionId);

    const callOn = async (token: string) =>
      post(stack().mcpUrl, { jsonrpc: '2.0', id: 99, method: 'tools/call', params: { name: 'whoami', arguments: {} } }, {
        authorization: `Bearer ${token}`,
        'mcp-session-id': sessionId as string,
        'mcp-protocol-version': client.protocolVersion() as string,
      });
    const stolen = await callOn(await freshToken(bobUser, other));
    expect(stolen.status).toBe(404);
    expect(stolen.headers.get('www-authenticate')).toBeNull();
    expect(JSON.parse(stolen.text)).toMatchObject({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' } });
    // the same request with alice's token passes: the refusal is about the user
    const own = await callOn(await freshToken(alice, client));
    expect(own.status).toBe(200);
    expect(JSON.parse(rpcResult(own.text).result?.content?.[0]?.text ?? '{}')).toMatchObject({ subject: 'alice' });
    // and alice's client goes on, on the same session
    expect(who(await client.callTool('whoami')).subject).toBe('alice');
    expect(client.sessionId()).toBe(sessionId);
  });

  it(cell.eraFails ? documented('(4) refresh after expiry', ERA) : '(4) refresh after expiry', async () => {
    if (cell.eraFails) return eraNegotiationFails();
    const client = connected();
    const sessionId = client.sessionId();
    const expired = alice.accessToken();
    const refreshesBefore = refreshGrants(client.log);
    const authorizationsBefore = alice.requestedScopes().length;
    await sleep(jwtExpiry(expired) * 1000 - Date.now() + 300); // clockToleranceSeconds 0: the token is now refused
    const seen = client.log.exchanges.length;

    expect(who(await client.callTool('whoami'))).toMatchObject({ subject: 'alice', scopes: ['mcp:tools'] });
    // the server refused the expired token (the client does not refresh ahead of expiry), the client refreshed and retried
    const after = client.log.exchanges.slice(seen).filter((e) => e.method === 'POST' && e.url.pathname === '/mcp');
    expect(after[0]?.status).toBe(401);
    expect(challengeParam(after[0]?.wwwAuthenticate ?? '', 'error')).toBe('invalid_token');
    expect(after.at(-1)?.status).toBe(200);
    expect(refreshGrants(client.log)).toBeGreaterThan(refreshesBefore); // the client refreshed by itself
    expect(alice.accessToken()).not.toBe(expired);
    expect(jwtExpiry(alice.accessToken()) * 1000).toBeGreaterThan(Date.now());
    expect(alice.requestedScopes()).toHaveLength(authorizationsBefore); // no new authorization
    expect(client.sessionId()).toBe(sessionId); // the same session (SDK 1.x server), or still none
  });

  const stepUp = '(5) step-up on admin_whoami';
  const sdk1StepUp = documented(stepUp, '"Server returned 403 after trying upscoping"; the host re-authorizes with the challenged scope');
  it(cell.eraFails ? documented(stepUp, ERA) : cell.client.sdk === 1 ? sdk1StepUp : `${stepUp}: 403 → re-authorize → retry runs`, async () => {
    if (cell.eraFails) return eraNegotiationFails();
    const client = connected();
    const sessionId = client.sessionId();
    const forbiddenBefore = mcp403s(client.log).length;
    const authorizationsBefore = alice.requestedScopes().length;

    if (client.sdk === 2) {
      // the union of its scopes and the challenged ones; no refresh tried; UnauthorizedError, finishAuth, retry
      const codeExchangesBefore = grants(client.log).filter((grant) => grant === 'authorization_code').length;
      const { result, reauthorized } = await retryAfterAuthorization(client.connection, client.provider, () => client.callTool('admin_whoami'));
      expect(reauthorized).toBe(true);
      expect(mcp403s(client.log).slice(forbiddenBefore).map((e) => e.wwwAuthenticate)).toEqual([expect.stringMatching(ADMIN_CHALLENGE)]);
      expect(alice.requestedScopes().slice(authorizationsBefore)).toEqual(['mcp:tools mcp:admin offline_access']);
      expect(grants(client.log).filter((grant) => grant === 'authorization_code')).toHaveLength(codeExchangesBefore + 1);
      const answer = who(result);
      expect(answer.subject).toBe('alice');
      expect([...answer.scopes].sort()).toEqual(['mcp:admin', 'mcp:tools']);
    } else {
      // it refreshes instead (a refresh cannot widen the scope), gets the same 403 again, and throws
      const refreshesBefore = refreshGrants(client.log);
      await expect(client.callTool('admin_whoami')).rejects.toThrow('Server returned 403 after trying upscoping');
      const forbidden = mcp403s(client.log).slice(forbiddenBefore);
      expect(forbidden.map((e) => e.wwwAuthenticate)).toEqual([expect.stringMatching(ADMIN_CHALLENGE), expect.stringMatching(ADMIN_CHALLENGE)]);
      expect(refreshGrants(client.log)).toBeGreaterThan(refreshesBefore);
      expect(alice.requestedScopes()).toHaveLength(authorizationsBefore);
      expect(jwtScopes(alice.accessToken())).toEqual(['mcp:tools']);
      // what the README tells its host to do: drop the tokens, authorize with the challenged scope, finishAuth, retry
      const challenged = challengeParam(forbidden.at(-1)?.wwwAuthenticate ?? '', 'scope');
      expect(challenged).toBe('mcp:tools mcp:admin');
      client.provider.invalidateCredentials('tokens');
      expect(await sdk1Auth(client.provider, { serverUrl: stack().mcpUrl, scope: challenged, fetchFn: client.log.fetch })).toBe('REDIRECT');
      expect(alice.requestedScopes().slice(authorizationsBefore)).toEqual(['mcp:tools mcp:admin']);
      await client.connected.transport.finishAuth(client.provider.codes.at(-1) as string);
      const answer = who(await client.callTool('admin_whoami'));
      expect(answer.subject).toBe('alice');
      expect([...answer.scopes].sort()).toEqual(['mcp:admin', 'mcp:tools']);
    }
    expect(jwtScopes(alice.accessToken())).toEqual(['mcp:admin', 'mcp:tools']);
    expect(client.sessionId()).toBe(sessionId);
  });

  it(cell.eraFails ? documented('(6) state bound to the user', ERA) : "(6) state bound to the user: alice recalls her handle, bob cannot", async () => {
    if (cell.eraFails) return eraNegotiationFails();
    const client = connected();
    const secret = `for alice only (${cell.name})`;
    const remembered = await client.callTool('remember', { value: secret });
    expect(remembered.isError).toBeUndefined();
    const handle = resultText(remembered);
    expect(handle).not.toContain(secret);
    expect(resultText(await client.callTool('recall', { handle }))).toBe(secret);

    const other = await bob();
    const stolen = await other.callTool('recall', { handle });
    expect(stolen.isError).toBe(true);
    expect(resultText(stolen)).toMatch(/not valid for you/);
    expect(JSON.stringify(stolen)).not.toContain(secret);
  });

  if (cell.version === MODERN) {
    it('(7) whoami_confirmed: input_required, requestState sealed for the caller, confirmed', async () => {
      const client = connected();
      const rpcsBefore = client.log.rpcs.length;
      const elicitationsBefore = alice.elicitations();
      expect(who(await client.callTool('whoami_confirmed'))).toMatchObject({ subject: 'alice', confirmed: true });
      expect(alice.elicitations()).toBe(elicitationsBefore + 1);
      // two rounds: the call, then the retry carrying the answer and the requestState the server minted
      const rounds = client.log.rpcs.slice(rpcsBefore).filter((rpc) => rpc.method === 'tools/call');
      expect(rounds.map((rpc) => rpc.params?.['name'])).toEqual(['whoami_confirmed', 'whoami_confirmed']);
      expect(rounds[0]?.params?.['requestState']).toBeUndefined();
      const requestState = rounds[1]?.params?.['requestState'];
      expect(requestState).toMatch(/^s1\./);
      expect(rounds[1]?.params?.['inputResponses']).toEqual({ confirm: { action: 'accept', content: { confirm: true } } });
      // sealed for alice: bob presenting it on the same call is refused
      const other = await bob();
      const replay = await post(
        stack().mcpUrl,
        { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { ...rounds[1]?.params } },
        { authorization: `Bearer ${await freshToken(bobUser, other)}`, 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'whoami_confirmed', accept: 'application/json' },
      );
      expect(replay.status).toBe(200);
      expect(JSON.parse(replay.text)).toMatchObject({ error: { code: -32602, message: 'Invalid or expired requestState' } });
    });
  } else if (cell.server === 'mcp-server-v2') {
    // not asked of 2025-era cells; pinned here so the matrix says what they get: stateless 2025 serving has no
    // channel for the server-to-client elicitation, so the SDK 2.x server answers a tool error
    it('(7) whoami_confirmed on the 2025 era: isError (stateless 2025 serving cannot elicit)', async () => {
      const client = connected();
      const result = await client.callTool('whoami_confirmed');
      expect(result.isError).toBe(true);
      expect(resultText(result)).toMatch(/^Cannot request input 'confirm' \(elicitation\/create\)/);
      expect(resultText(result)).not.toContain('alice');
      expect(alice.elicitations()).toBe(0);
    });
  }
});
