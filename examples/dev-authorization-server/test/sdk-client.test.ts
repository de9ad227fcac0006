import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { auth, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeInBrowser, startDevAuthorizationServer, type DevAuthorizationServer } from '../src/index.js';
import { decodeJwtPayload, REDIRECT_URI } from './helpers.js';

class MemoryClientProvider implements OAuthClientProvider {
  info: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = '';
  authorizationUrl: URL | undefined;

  get redirectUrl(): string {
    return REDIRECT_URI;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      client_name: 'mcpgate sdk test',
    };
  }

  state(): string {
    return 'sdk-state';
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

interface Seen {
  path: string;
  params: Record<string, string>;
}

describe('MCP SDK client auth() against the dev AS', () => {
  let as: DevAuthorizationServer;
  let prm: Server;
  let resource: string;
  const seen: Seen[] = [];

  const recordingFetch = async (input: string | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    const params: Record<string, string> = {};
    if (init?.body instanceof URLSearchParams) init.body.forEach((value, key) => (params[key] = key.includes('token') || key === 'code' ? '<redacted>' : value));
    else if (typeof init?.body === 'string') Object.assign(params, JSON.parse(init.body));
    seen.push({ path: url.pathname, params });
    return fetch(input, init);
  };

  beforeAll(async () => {
    prm = createServer((req, res) => {
      if (req.url === '/.well-known/oauth-protected-resource/mcp') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ resource, authorization_servers: [as.issuer], scopes_supported: ['mcp:tools', 'mcp:admin'] }));
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => prm.listen(0, '127.0.0.1', resolve));
    resource = `http://127.0.0.1:${(prm.address() as AddressInfo).port}/mcp`;
    as = await startDevAuthorizationServer({ resource });
  });
  afterAll(async () => {
    await as.close();
    prm.closeAllConnections();
    await new Promise((resolve) => prm.close(resolve));
  });

  it('discovers, registers, authorizes with PKCE + resource, exchanges the code and refreshes', async () => {
    const provider = new MemoryClientProvider();
    const serverUrl = resource;
    expect(await auth(provider, { serverUrl, fetchFn: recordingFetch })).toBe('REDIRECT');
    const authorizationUrl = provider.authorizationUrl as URL;
    expect(authorizationUrl.searchParams.get('resource')).toBe(resource);
    expect(authorizationUrl.searchParams.get('scope')).toBe('mcp:tools mcp:admin');
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizationUrl.searchParams.has('prompt')).toBe(false);
    const registration = seen.find((entry) => entry.path === '/reg');
    expect(registration?.params).toMatchObject({ scope: 'mcp:tools mcp:admin', token_endpoint_auth_method: 'none' });
    expect(seen[1]?.path).toBe('/.well-known/oauth-authorization-server');

    const callback = await authorizeInBrowser(authorizationUrl, { login: 'bob' });
    expect(callback.searchParams.get('state')).toBe('sdk-state');
    const code = callback.searchParams.get('code') ?? '';
    expect(await auth(provider, { serverUrl, authorizationCode: code, fetchFn: recordingFetch })).toBe('AUTHORIZED');
    const first = provider.saved as OAuthTokens;
    expect(first.refresh_token).toBeTypeOf('string');
    expect(decodeJwtPayload(first.access_token)).toMatchObject({ sub: 'bob', aud: resource, iss: as.issuer, scope: 'mcp:tools mcp:admin' });
    expect(seen.at(-1)).toMatchObject({ path: '/token', params: { grant_type: 'authorization_code', resource } });

    as.stats.reset();
    expect(await auth(provider, { serverUrl, fetchFn: recordingFetch })).toBe('AUTHORIZED');
    const second = provider.saved as OAuthTokens;
    expect(seen.at(-1)).toMatchObject({ path: '/token', params: { grant_type: 'refresh_token', resource } });
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(decodeJwtPayload(second.access_token)).toMatchObject({ sub: 'bob', aud: resource });
    expect(as.stats.refreshGrants).toBe(1);
  });
});
