/**
 * A headless authorization-code `OAuthClientProvider` for the MCP SDK 2.x client
 * (`@modelcontextprotocol/client`), which ships none: everything is kept in memory, and when the SDK
 * redirects to the authorization server the provider plays the user by posting the dev AS's login and
 * consent forms (`authorizeInBrowser`). It records every authorization URL, callback and token set, so
 * tests can see which scopes were asked for and granted.
 *
 * The SDK 2.x flow it supports: `client.connect` or any request throws `UnauthorizedError` when the SDK
 * had to redirect (first login, or step-up after 403 `insufficient_scope`); the host then calls
 * `transport.finishAuth(callbackParams)` and retries. {@link connectSdk2} and {@link retryAfterAuthorization}
 * do exactly that.
 */
import { randomBytes } from 'node:crypto';
import { authorizeInBrowser } from '@mcpgate/example-dev-authorization-server';
import {
  Client,
  StreamableHTTPClientTransport,
  UnauthorizedError,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
  type VersionNegotiationMode,
} from '@modelcontextprotocol/client';

export interface HeadlessOAuthProviderOptions {
  /** The user the scripted browser signs in as (`alice`, `bob`). */
  readonly login: string;
  /** Grant types registered with dynamic client registration. Default `['authorization_code', 'refresh_token']`. */
  readonly grantTypes?: readonly string[];
  /** Where the authorization server sends the browser back. Never contacted. */
  readonly redirectUrl?: string;
}

/** An in-memory `OAuthClientProvider` for the SDK 2.x client that consents as `login` without a browser. */
export class HeadlessOAuthProvider implements OAuthClientProvider {
  readonly login: string;
  readonly redirectUrl: string;
  /** Every authorization request the SDK started, oldest first. */
  readonly authorizationUrls: URL[] = [];
  /** Every redirect back to the client (`code`, `state`, `iss`, or `error`), oldest first. */
  readonly callbacks: URL[] = [];
  /** Every token set the SDK saved (code exchanges and refreshes), oldest first. */
  readonly savedTokens: StoredOAuthTokens[] = [];
  readonly #grantTypes: readonly string[];
  #client: StoredOAuthClientInformation | undefined;
  #tokens: StoredOAuthTokens | undefined;
  #verifier = '';
  #state = '';
  #discovery: OAuthDiscoveryState | undefined;

  constructor(options: HeadlessOAuthProviderOptions) {
    this.login = options.login;
    this.redirectUrl = options.redirectUrl ?? 'http://127.0.0.1:9/callback';
    this.#grantTypes = options.grantTypes ?? ['authorization_code', 'refresh_token'];
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: `mcpgate headless SDK 2.x client (${this.login})`,
      redirect_uris: [this.redirectUrl],
      grant_types: [...this.#grantTypes],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  /** The scopes asked for in each authorization request, oldest first. */
  get requestedScopes(): string[] {
    return this.authorizationUrls.map((url) => url.searchParams.get('scope') ?? '');
  }

  /** The query of the last redirect back, for `transport.finishAuth(params)` (the SDK checks `iss`, RFC 9207). */
  lastCallbackParams(): URLSearchParams {
    const last = this.callbacks.at(-1);
    if (last === undefined) throw new Error('no authorization has happened');
    return new URLSearchParams(last.search);
  }

  state(): string {
    this.#state = randomBytes(16).toString('base64url');
    return this.#state;
  }
  clientInformation(): StoredOAuthClientInformation | undefined {
    return this.#client;
  }
  saveClientInformation(info: StoredOAuthClientInformation): void {
    this.#client = info;
  }
  tokens(): StoredOAuthTokens | undefined {
    return this.#tokens;
  }
  saveTokens(tokens: StoredOAuthTokens): void {
    this.#tokens = tokens;
    this.savedTokens.push(tokens);
  }
  saveCodeVerifier(verifier: string): void {
    this.#verifier = verifier;
  }
  codeVerifier(): string {
    return this.#verifier;
  }
  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.#discovery = state;
  }
  discoveryState(): OAuthDiscoveryState | undefined {
    return this.#discovery;
  }
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    if (scope === 'all' || scope === 'tokens') this.#tokens = undefined;
    if (scope === 'all' || scope === 'client') this.#client = undefined;
    if (scope === 'all' || scope === 'verifier') this.#verifier = '';
    if (scope === 'all' || scope === 'discovery') this.#discovery = undefined;
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    this.authorizationUrls.push(authorizationUrl);
    const back = await authorizeInBrowser(authorizationUrl, { login: this.login });
    if (back.searchParams.get('state') !== this.#state) throw new Error('the authorization server returned another state');
    if (back.searchParams.get('code') === null) throw new Error(`authorization failed: ${back.searchParams.get('error') ?? 'no code'}`);
    this.callbacks.push(back);
  }
}

export interface Sdk2Connection {
  readonly client: Client;
  readonly transport: StreamableHTTPClientTransport;
}

/**
 * Connects an SDK 2.x client, doing the OAuth dance when the server asks for it: connect → 401 →
 * discovery, registration, PKCE authorization (scripted consent) → `UnauthorizedError` →
 * `finishAuth(callback)` → connect again with a new client and transport.
 */
export async function connectSdk2(
  mcpUrl: string,
  provider: HeadlessOAuthProvider,
  options: { readonly mode?: VersionNegotiationMode; readonly fetch?: typeof fetch } = {},
): Promise<Sdk2Connection> {
  const mode = options.mode ?? 'legacy';
  const transportOptions = { authProvider: provider, ...(options.fetch !== undefined ? { fetch: options.fetch } : {}) };
  const open = async (): Promise<Sdk2Connection> => {
    const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), transportOptions);
    const client = new Client({ name: 'mcpgate-e2e-sdk2', version: '0.1.0' }, { versionNegotiation: { mode } });
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

/**
 * Runs `request`; when it throws `UnauthorizedError` (the SDK redirected for authorization, e.g. step-up
 * after a 403 `insufficient_scope`), completes the authorization on `transport` and runs it once more,
 * as an SDK 2.x host does.
 */
export async function retryAfterAuthorization<T>(
  connection: Sdk2Connection,
  provider: HeadlessOAuthProvider,
  request: () => Promise<T>,
): Promise<{ result: T; reauthorized: boolean }> {
  try {
    return { result: await request(), reauthorized: false };
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
    await connection.transport.finishAuth(provider.lastCallbackParams());
    return { result: await request(), reauthorized: true };
  }
}
