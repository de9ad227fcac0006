/**
 * DPoP (RFC 9449) with the real MCP SDK 2.x client (`@modelcontextprotocol/client`): a headless OAuth
 * provider that implements `dpop()` (one `DpopSession` for its whole life, so every token it gets is bound
 * to one key), and a `fetch` that records what the client sends and what it is answered, so tests can see
 * the wire: `token_type`, the `Authorization: DPoP` scheme, the proofs, the nonce retry.
 *
 * It extends `HeadlessOAuthProvider` (test/helpers/sdk2-oauth.ts) without changing it.
 */
import { DpopSession, generateDpopKeyPair, type DpopAlg, type DpopKeyPair } from '@modelcontextprotocol/client';
import { decodeJwt, decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { HeadlessOAuthProvider, type HeadlessOAuthProviderOptions } from './sdk2-oauth.js';

export interface DpopOAuthProviderOptions extends HeadlessOAuthProviderOptions {
  /** The proof algorithm of the session. Default: the SDK's (`ES256`). */
  readonly alg?: DpopAlg;
}

/** `HeadlessOAuthProvider` plus `dpop()`: the SDK then asks for DPoP-bound tokens and presents them with proofs. */
export class DpopOAuthProvider extends HeadlessOAuthProvider {
  /** The session key pair (generated with the SDK's `generateDpopKeyPair`); `DpopSession.create({ keyPair })` makes proofs with it. */
  readonly keyPair: Promise<DpopKeyPair>;
  /** The one session `dpop()` returns: it remembers the servers' nonces, per origin. */
  readonly session: Promise<DpopSession>;

  constructor(options: DpopOAuthProviderOptions) {
    super(options);
    this.keyPair = generateDpopKeyPair(options.alg !== undefined ? { alg: options.alg } : {});
    this.session = this.keyPair.then((keyPair) => DpopSession.create({ keyPair }));
  }

  dpop(): Promise<DpopSession> {
    return this.session;
  }

  /** RFC 7638 thumbprint of the session key: what the tokens' `cnf.jkt` must be. */
  async thumbprint(): Promise<string> {
    return (await this.session).thumbprint;
  }
}

/** One HTTP exchange as the client's `fetch` saw it. */
export interface Exchange {
  readonly method: string;
  readonly url: string;
  /** Request headers, names in lower case. */
  readonly request: Readonly<Record<string, string>>;
  /** The request body as sent (JSON-RPC, or a token request's form), undefined for GET and HEAD. */
  readonly requestBody: string | undefined;
  readonly status: number;
  /** Response headers, names in lower case. */
  readonly response: Readonly<Record<string, string>>;
  /** The response body when it is JSON from the authorization server's token endpoint (else undefined). */
  readonly tokenResponse: Record<string, unknown> | undefined;
}

export interface WireRecorder {
  /** Pass as the transport's `fetch`: it is what the SDK's DPoP layer and its OAuth requests call. */
  readonly fetch: typeof fetch;
  readonly exchanges: Exchange[];
  /** Exchanges with the MCP endpoint `url` (path compared, query ignored). */
  to(url: string): Exchange[];
  /** Exchanges with a token endpoint (`…/token`). */
  tokenRequests(): Exchange[];
}

/** A `fetch` that records every request and response header (and token endpoint bodies). */
export function recordWire(): WireRecorder {
  const exchanges: Exchange[] = [];
  const record: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const headers = Object.fromEntries([...request.headers].map(([k, v]) => [k.toLowerCase(), v]));
    const requestBody = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.clone().text();
    const response = await fetch(request);
    const url = new URL(request.url);
    let tokenResponse: Record<string, unknown> | undefined;
    if (url.pathname.endsWith('/token') && response.headers.get('content-type')?.includes('json') === true) {
      tokenResponse = (await response.clone().json()) as Record<string, unknown>;
    }
    exchanges.push({
      method: request.method,
      url: request.url,
      request: headers,
      requestBody,
      status: response.status,
      response: Object.fromEntries([...response.headers].map(([k, v]) => [k.toLowerCase(), v])),
      tokenResponse,
    });
    return response;
  };
  return {
    fetch: record,
    exchanges,
    to: (target) => exchanges.filter((e) => new URL(e.url).origin === new URL(target).origin && new URL(e.url).pathname === new URL(target).pathname),
    tokenRequests: () => exchanges.filter((e) => new URL(e.url).pathname.endsWith('/token')),
  };
}

/** The (unverified) header and claims of a compact JWT: a proof or a JWT access token. */
export function jwtParts(jwt: string): { header: ProtectedHeaderParameters; payload: JWTPayload & Record<string, unknown> } {
  return { header: decodeProtectedHeader(jwt), payload: decodeJwt(jwt) as JWTPayload & Record<string, unknown> };
}

/** The access token of an `Authorization` header value, and its scheme. */
export function credentialsOf(authorization: string | undefined): { scheme: string; token: string } | undefined {
  if (authorization === undefined) return undefined;
  const [scheme, token] = authorization.split(' ', 2);
  return scheme === undefined || token === undefined ? undefined : { scheme, token };
}
