import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type JWTHeaderParameters, type CryptoKey } from 'jose';
import type { FetchLike } from '../src/index.js';

export const ISSUER = 'https://as.example.com';
export const RESOURCE = 'https://mcp.example.com/mcp';
export const RFC8414_URL = `${ISSUER}/.well-known/oauth-authorization-server`;
export const JWKS_URL = `${ISSUER}/jwks`;

export interface TestKey {
  readonly alg: string;
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly jwk: JWK;
}

export async function makeKey(alg: 'RS256' | 'ES256' | 'PS256' | 'EdDSA', kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicKey, jwk };
}

export const now = (): number => Math.floor(Date.now() / 1000);

/** A signed access token with sensible defaults; `claims` entries set to undefined are removed. */
export async function sign(
  key: TestKey,
  claims: Record<string, unknown> = {},
  header: Partial<JWTHeaderParameters> = {},
): Promise<string> {
  const payload: Record<string, unknown> = {
    iss: ISSUER,
    aud: RESOURCE,
    sub: 'user-1',
    client_id: 'client-1',
    scope: 'mcp:tools mcp:read',
    iat: now(),
    exp: now() + 300,
    ...claims,
  };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload as JWTPayload)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header })
    .sign(key.privateKey);
}

type Route = unknown | (() => Response | Promise<Response>);

/** An in-memory authorization server behind an injected fetch; records every URL fetched. */
export class FakeServer {
  readonly calls: string[] = [];
  readonly routes = new Map<string, Route>();
  readonly fetch: FetchLike = async (url) => {
    this.calls.push(url);
    const route = this.routes.get(url);
    if (route === undefined) return new Response('not found', { status: 404 });
    if (typeof route === 'function') return (route as () => Response | Promise<Response>)();
    return Response.json(route);
  };

  /** Serves RFC 8414 metadata and a JWKS for `issuer`. */
  static async for(keys: readonly TestKey[], issuer = ISSUER): Promise<FakeServer> {
    const server = new FakeServer();
    server.serve(keys, issuer);
    return server;
  }

  serve(keys: readonly TestKey[], issuer = ISSUER): this {
    this.routes.set(`${issuer}/.well-known/oauth-authorization-server`, { issuer, jwks_uri: `${issuer}/jwks` });
    this.setKeys(keys, issuer);
    return this;
  }

  setKeys(keys: readonly TestKey[], issuer = ISSUER): void {
    this.routes.set(`${issuer}/jwks`, { keys: keys.map((k) => k.jwk) });
  }

  count(url: string): number {
    return this.calls.filter((c) => c === url).length;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The settled rejection of `promise` (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected a rejection, got a resolution');
}
