import { createHash, randomBytes } from 'node:crypto';
import { authorizeInBrowser, type DevAuthorizationServer } from '../src/index.js';

export const REDIRECT_URI = 'http://localhost:5555/callback';

export interface TokenResponse {
  access_token?: string;
  refresh_token?: string;
  expires_in?: number;
  scope?: string;
  token_type?: string;
  error?: string;
  error_description?: string;
}

export function decodeJwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

export async function registerPublicClient(as: DevAuthorizationServer): Promise<string> {
  const response = await fetch(`${as.issuer}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      client_name: 'dev-as test',
      scope: 'mcp:tools mcp:admin',
    }),
  });
  const body = (await response.json()) as { client_id?: string };
  if (response.status !== 201 || !body.client_id) throw new Error(`registration failed: ${response.status}`);
  return body.client_id;
}

export async function tokenRequest(as: DevAuthorizationServer, params: Record<string, string>, basic?: { clientId: string; clientSecret: string }) {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) headers.authorization = `Basic ${Buffer.from(`${basic.clientId}:${basic.clientSecret}`).toString('base64')}`;
  const response = await fetch(`${as.issuer}/token`, { method: 'POST', headers, body: new URLSearchParams(params) });
  return { status: response.status, body: (await response.json()) as TokenResponse };
}

export async function codeFlow(as: DevAuthorizationServer, clientId: string, resource: string, login = 'alice') {
  const verifier = randomBytes(32).toString('base64url');
  const url = new URL(`${as.issuer}/auth`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state: 'state-1',
    scope: 'mcp:tools mcp:admin',
    resource,
  }).toString();
  const callback = await authorizeInBrowser(url, { login });
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`no code: ${callback.searchParams.get('error')}`);
  return tokenRequest(as, {
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: REDIRECT_URI,
    client_id: clientId,
    resource,
  });
}
