/**
 * DPoP (RFC 9449) for the load generator and the in-process decision loop: a client key pair, a DPoP-bound
 * access token from the dev AS (the authorization-code flow of `obtainUserToken`, with a proof at the token
 * endpoint), and proofs made in bulk ahead of a measured round (jose: every proof has a fresh `jti` and `iat`,
 * the request's `htm` / `htu`, and `ath` = the token's SHA-256), so signing is never inside a measured loop.
 */
import { createHash, randomBytes } from 'node:crypto';
import { authorizeInBrowser } from '@mcpgate/example-dev-authorization-server';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';

export type DpopAlg = 'ES256' | 'RS256';

/** What a process needs to sign proofs for one token at one URL (plain data: it crosses the IPC channel). */
export interface DpopProofSpec {
  readonly alg: DpopAlg;
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
  readonly htm: string;
  readonly htu: string;
  /** base64url SHA-256 of the access token. */
  readonly ath: string;
}

export interface DpopKey {
  readonly alg: DpopAlg;
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
  /** RFC 7638 thumbprint: the `cnf.jkt` of tokens bound to this key. */
  readonly jkt: string;
}

export async function dpopKey(alg: DpopAlg = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return { alg, privateJwk: await exportJWK(privateKey), publicJwk, jkt: await calculateJwkThumbprint(publicJwk, 'sha256') };
}

export const accessTokenHash = (token: string): string => createHash('sha256').update(token, 'ascii').digest('base64url');

export const proofSpec = (key: DpopKey, htu: string, token: string | undefined, htm = 'POST'): DpopProofSpec => ({
  alg: key.alg,
  privateJwk: key.privateJwk,
  publicJwk: key.publicJwk,
  htm,
  htu,
  ath: token === undefined ? '' : accessTokenHash(token),
});

const signers = new WeakMap<JWK, ReturnType<typeof importJWK>>();

/**
 * `count` proofs for `spec`, each with a fresh jti and iat = now; signed `parallel` at a time (jose signs
 * through WebCrypto, which runs off the main thread, so a batch goes several times faster than one by one).
 */
export async function makeProofs(spec: DpopProofSpec, count: number, parallel = 256): Promise<string[]> {
  let key = signers.get(spec.privateJwk);
  if (key === undefined) signers.set(spec.privateJwk, (key = importJWK(spec.privateJwk, spec.alg)));
  const privateKey = await key;
  const header = { alg: spec.alg, typ: 'dpop+jwt', jwk: spec.publicJwk };
  const claims = spec.ath === '' ? { htm: spec.htm, htu: spec.htu } : { htm: spec.htm, htu: spec.htu, ath: spec.ath };
  const out: string[] = [];
  while (out.length < count) {
    const batch: Array<Promise<string>> = [];
    for (let i = 0; i < parallel && out.length + batch.length < count; i++) {
      batch.push(new SignJWT(claims).setProtectedHeader(header).setJti(randomBytes(16).toString('base64url')).setIssuedAt().sign(privateKey));
    }
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

/** One proof (for set-up requests). */
export async function proof(spec: DpopProofSpec): Promise<string> {
  return (await makeProofs(spec, 1, 1))[0]!;
}

/**
 * A DPoP-bound access token for `login`: the authorization-code flow `obtainUserToken` runs (dynamic
 * registration, PKCE S256, the resource indicator, consent in the scripted browser), with a DPoP proof by
 * `key` at the token endpoint, as a DPoP client sends it. Throws unless the AS answers `token_type: DPoP`.
 */
export async function dpopTokenFor(issuer: string, resource: string, login: string, key: DpopKey, scope = 'mcp:tools'): Promise<string> {
  const redirectUri = 'http://127.0.0.1:9/callback';
  const registration = await fetch(`${issuer}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      scope: 'mcp:tools mcp:admin',
    }),
  });
  if (!registration.ok) throw new Error(`registration failed: ${registration.status}`);
  const client = (await registration.json()) as { client_id: string };
  const verifier = randomBytes(32).toString('base64url');
  const url = new URL(`${issuer}/auth`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: redirectUri,
    scope,
    resource,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state: randomBytes(8).toString('hex'),
  }).toString();
  const back = await authorizeInBrowser(url, { login });
  const code = back.searchParams.get('code');
  if (code === null) throw new Error(`authorization failed: ${back.searchParams.get('error') ?? 'no code'}`);
  const tokenEndpoint = `${issuer}/token`;
  const res = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: await proof(proofSpec(key, tokenEndpoint, undefined)) },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: client.client_id, code_verifier: verifier, resource }),
  });
  const answer = (await res.json()) as { access_token?: string; token_type?: string; error?: string };
  if (!res.ok || answer.access_token === undefined) throw new Error(`DPoP token request failed: ${res.status} ${JSON.stringify(answer)}`);
  if (answer.token_type !== 'DPoP') throw new Error(`the AS answered token_type ${answer.token_type}, not DPoP`);
  return answer.access_token;
}
