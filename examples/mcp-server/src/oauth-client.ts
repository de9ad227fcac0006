import { authorizeInBrowser } from '@mcpgate/example-dev-authorization-server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';

/**
 * An `OAuthClientProvider` for the SDK client that keeps everything in memory and plays the user in the
 * browser: when the SDK redirects to the authorization server, it signs in as `login` and consents by
 * posting the dev server's forms. Used by the demo client and the end-to-end tests.
 */
export class ScriptedOAuthClientProvider implements OAuthClientProvider {
  readonly login: string;
  readonly redirectUrl = 'http://127.0.0.1:9/callback';
  /** Authorization requests the SDK started, oldest first (their `scope` shows what it asked for). */
  readonly authorizationUrls: URL[] = [];
  /** Authorization codes obtained by the scripted browser, oldest first. */
  readonly codes: string[] = [];
  /** Every token set the SDK saved (after the code exchange and after each refresh). */
  readonly savedTokens: OAuthTokens[] = [];
  readonly #grantTypes: readonly string[];
  #client: OAuthClientInformationMixed | undefined;
  #tokens: OAuthTokens | undefined;
  #verifier = '';

  /**
   * @param options.grantTypes the grant types it registers with (dynamic registration). Default
   *   `['authorization_code', 'refresh_token']`; without `refresh_token` the dev AS issues no refresh token.
   */
  constructor(login: string, options: { readonly grantTypes?: readonly string[] } = {}) {
    this.login = login;
    this.#grantTypes = options.grantTypes ?? ['authorization_code', 'refresh_token'];
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: `mcpgate scripted client (${this.login})`,
      redirect_uris: [this.redirectUrl],
      grant_types: [...this.#grantTypes],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  /** The `scope` of each authorization request, oldest first. */
  get requestedScopes(): string[] {
    return this.authorizationUrls.map((url) => url.searchParams.get('scope') ?? '');
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.#client;
  }
  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.#client = info;
  }
  tokens(): OAuthTokens | undefined {
    return this.#tokens;
  }
  saveTokens(tokens: OAuthTokens): void {
    this.#tokens = tokens;
    this.savedTokens.push(tokens);
  }
  saveCodeVerifier(verifier: string): void {
    this.#verifier = verifier;
  }
  codeVerifier(): string {
    return this.#verifier;
  }
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    if (scope === 'all' || scope === 'tokens') this.#tokens = undefined;
    if (scope === 'all' || scope === 'client') this.#client = undefined;
  }
  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    this.authorizationUrls.push(authorizationUrl);
    const back = await authorizeInBrowser(authorizationUrl, { login: this.login });
    const code = back.searchParams.get('code');
    if (code === null) throw new Error(`authorization failed: ${back.searchParams.get('error') ?? 'no code'}`);
    this.codes.push(code);
  }
}

export interface ConnectedClient {
  readonly client: Client;
  readonly transport: StreamableHTTPClientTransport;
  readonly provider: ScriptedOAuthClientProvider;
}

/**
 * Connects the SDK client to an MCP endpoint, doing the whole OAuth dance when the server asks for it:
 * 401 → metadata discovery → registration → PKCE authorization (scripted consent) → token → reconnect.
 */
export async function connectWithOAuth(
  mcpUrl: string,
  provider: ScriptedOAuthClientProvider,
  options: { onStep?: (step: string) => void; fetch?: typeof fetch } = {},
): Promise<ConnectedClient> {
  const step = options.onStep ?? (() => undefined);
  const transportOptions = { authProvider: provider, ...(options.fetch !== undefined ? { fetch: options.fetch } : {}) };
  const open = async (): Promise<ConnectedClient> => {
    const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), transportOptions);
    const client = new Client({ name: 'mcpgate-scripted-client', version: '0.1.0' });
    await client.connect(transport);
    return { client, transport, provider };
  };
  try {
    return await open();
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
    const code = provider.codes.at(-1);
    if (code === undefined) throw error;
    step('authorized in the browser; exchanging the code');
    const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), transportOptions);
    await transport.finishAuth(code);
    return open();
  }
}
