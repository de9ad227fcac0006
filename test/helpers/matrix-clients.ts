/**
 * One interface over the real MCP clients of the compatibility matrix (test/matrix.test.ts): the SDK 1.x
 * client (`@modelcontextprotocol/sdk`, signed in by `ScriptedOAuthClientProvider`) and the SDK 2.x client
 * (`@modelcontextprotocol/client`, signed in by `HeadlessOAuthProvider`) in each version-negotiation mode.
 * Every user gets a fresh provider (its own dynamic registration) and a fetch that records what the client
 * sent and got back, including each `Mcp-Session-Id` a server minted for it.
 */
import { ScriptedOAuthClientProvider, connectWithOAuth, type ConnectedClient } from '@mcpgate/example-mcp-server';
import { Client, StreamableHTTPClientTransport, UnauthorizedError, type VersionNegotiationMode } from '@modelcontextprotocol/client';
import { recordingFetch, type RecordingFetch } from './http-log.js';
import { HeadlessOAuthProvider, type Sdk2Connection } from './sdk2-oauth.js';

export type Negotiation = 'legacy' | 'auto' | { readonly pin: '2026-07-28' };
export type ClientSpec = { readonly sdk: 1 } | { readonly sdk: 2; readonly mode: Negotiation };

/** `sdk1`, `sdk2 legacy`, `sdk2 auto`, `sdk2 pin 2026-07-28`. */
export function clientLabel(spec: ClientSpec): string {
  if (spec.sdk === 1) return 'sdk1';
  return typeof spec.mode === 'string' ? `sdk2 ${spec.mode}` : `sdk2 pin ${spec.mode.pin}`;
}

/** What a `tools/call` returns, as far as these tests read it. */
export interface ToolResult {
  readonly content?: Array<{ type?: string; text?: string }>;
  readonly isError?: boolean;
}

/** The text of a tool result's first content block. */
export const resultText = (result: ToolResult): string => result.content?.[0]?.text ?? '';

/** A JSON-RPC request the client POSTed to the MCP endpoint. */
export interface SentRpc {
  readonly method: string;
  readonly params: Record<string, unknown> | undefined;
  /** The `Mcp-Session-Id` it carried. */
  readonly sessionId: string | null;
}

/** A recording fetch that also keeps every `Mcp-Session-Id` the MCP server sent back, and every JSON-RPC request sent. */
export interface MatrixLog extends RecordingFetch {
  readonly mintedSessions: string[];
  readonly rpcs: SentRpc[];
}

function matrixLog(): MatrixLog {
  const log = recordingFetch();
  const mintedSessions: string[] = [];
  const rpcs: SentRpc[] = [];
  const fetchAndKeep: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    if (request.method === 'POST' && new URL(request.url).pathname === '/mcp') {
      try {
        const body = JSON.parse(await request.clone().text()) as unknown;
        for (const message of Array.isArray(body) ? body : [body]) {
          const { method, params } = message as { method?: unknown; params?: Record<string, unknown> };
          if (typeof method === 'string') rpcs.push({ method, params, sessionId: request.headers.get('mcp-session-id') });
        }
      } catch {
        // not JSON: nothing to keep
      }
    }
    const response = await log.fetch(request);
    const minted = response.headers.get('mcp-session-id');
    if (minted !== null && !mintedSessions.includes(minted)) mintedSessions.push(minted);
    return response;
  };
  return { ...log, fetch: fetchAndKeep, mintedSessions, rpcs };
}

/** A signed-in client of either SDK, on one MCP server. */
export type MatrixClient =
  | (MatrixClientBase & { readonly sdk: 1; readonly connected: ConnectedClient; readonly provider: ScriptedOAuthClientProvider })
  | (MatrixClientBase & { readonly sdk: 2; readonly connection: Sdk2Connection; readonly provider: HeadlessOAuthProvider });

interface MatrixClientBase {
  readonly login: string;
  readonly log: MatrixLog;
  callTool(name: string, args?: Record<string, unknown>): Promise<ToolResult>;
  /** The transport's `Mcp-Session-Id` (undefined on a stateless server and on the 2026-07-28 era). */
  sessionId(): string | undefined;
  /** The protocol version in use (SDK 2.x: negotiated; SDK 1.x: the transport's header value). */
  protocolVersion(): string | undefined;
  close(): Promise<void>;
}

/** A user with a fresh OAuth client (provider) of the given SDK, not yet connected. */
export interface MatrixUser {
  readonly spec: ClientSpec;
  readonly login: string;
  readonly log: MatrixLog;
  readonly provider: ScriptedOAuthClientProvider | HeadlessOAuthProvider;
  /** The scope of each authorization request the client started, oldest first. */
  requestedScopes(): string[];
  /** The access token the client holds now. */
  accessToken(): string | undefined;
  /** The client id the AS gave it by dynamic registration. */
  clientId(): string | undefined;
  /** How many `elicitation/create` requests (or 2026-07-28 elicitation input requests) the client answered. */
  elicitations(): number;
  /**
   * Connects, doing the whole OAuth dance when the server asks for it (401 → discovery → registration →
   * PKCE authorization, consent posted as `login` → code exchange → connect again).
   * SDK 2.x clients declare form elicitation and accept every elicitation with `{ confirm: true }`.
   */
  connect(mcpUrl: string): Promise<MatrixClient>;
}

export function matrixUser(spec: ClientSpec, login: string): MatrixUser {
  const log = matrixLog();
  if (spec.sdk === 1) {
    const provider = new ScriptedOAuthClientProvider(login);
    return {
      spec,
      login,
      log,
      provider,
      requestedScopes: () => provider.requestedScopes,
      accessToken: () => provider.tokens()?.access_token,
      clientId: () => provider.clientInformation()?.client_id,
      elicitations: () => 0,
      async connect(mcpUrl) {
        const connected = await connectWithOAuth(mcpUrl, provider, { fetch: log.fetch });
        return {
          sdk: 1,
          login,
          log,
          connected,
          provider,
          callTool: async (name, args = {}) => (await connected.client.callTool({ name, arguments: args })) as ToolResult,
          sessionId: () => connected.transport.sessionId,
          protocolVersion: () => connected.transport.protocolVersion,
          close: () => connected.client.close(),
        };
      },
    };
  }
  const provider = new HeadlessOAuthProvider({ login });
  const answered = { elicitations: 0 };
  return {
    spec,
    login,
    log,
    provider,
    requestedScopes: () => provider.requestedScopes,
    accessToken: () => provider.tokens()?.access_token,
    clientId: () => provider.clientInformation()?.client_id,
    elicitations: () => answered.elicitations,
    async connect(mcpUrl) {
      const connection = await connectSdk2Eliciting(mcpUrl, provider, {
        mode: spec.mode as VersionNegotiationMode,
        fetch: log.fetch,
        onElicitation: () => {
          answered.elicitations += 1;
        },
      });
      return {
        sdk: 2,
        login,
        log,
        connection,
        provider,
        callTool: async (name, args = {}) => (await connection.client.callTool({ name, arguments: args })) as ToolResult,
        sessionId: () => connection.transport.sessionId,
        protocolVersion: () => connection.client.getNegotiatedProtocolVersion(),
        close: () => connection.client.close(),
      };
    },
  };
}

/**
 * `connectSdk2` (test/helpers/sdk2-oauth.ts), with a client that declares form elicitation and answers
 * every `elicitation/create` (and every 2026-07-28 `input_required` elicitation) with accept `{ confirm: true }`.
 */
export async function connectSdk2Eliciting(
  mcpUrl: string,
  provider: HeadlessOAuthProvider,
  options: { readonly mode: VersionNegotiationMode; readonly fetch: typeof fetch; readonly onElicitation?: () => void },
): Promise<Sdk2Connection> {
  const transportOptions = { authProvider: provider, fetch: options.fetch };
  const open = async (): Promise<Sdk2Connection> => {
    const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), transportOptions);
    const client = new Client(
      { name: 'mcpgate-matrix-sdk2', version: '0.1.0' },
      { versionNegotiation: { mode: options.mode }, capabilities: { elicitation: { form: {} } } },
    );
    client.setRequestHandler('elicitation/create', async () => {
      options.onElicitation?.();
      return { action: 'accept', content: { confirm: true } };
    });
    await client.connect(transport);
    return { client, transport };
  };
  try {
    return await open();
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
    const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), transportOptions);
    await transport.finishAuth(provider.lastCallbackParams());
    return open();
  }
}

/** The `exp` claim (seconds) of a JWT access token. */
export function jwtExpiry(accessToken: string | undefined): number {
  const payload = JSON.parse(Buffer.from(accessToken?.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: number };
  if (typeof payload.exp !== 'number') throw new Error('the access token carries no exp');
  return payload.exp;
}

/** The `scope` claim of a JWT access token, as a sorted list. */
export function jwtScopes(accessToken: string | undefined): string[] {
  const payload = JSON.parse(Buffer.from(accessToken?.split('.')[1] ?? '', 'base64url').toString('utf8')) as { scope?: string };
  return (payload.scope ?? '').split(' ').filter(Boolean).sort();
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
