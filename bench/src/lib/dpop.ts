/**
 * DPoP (RFC 9449) for the load generator and the in-process decision loop: a client key pair, a DPoP-bound
 * access token from the dev AS (the authorization-code flow of `obtainUserToken`, with a proof at the token
 * endpoint), and proofs made in bulk ahead of a measured round (jose: every proof has a fresh `jti` and `iat`,
 * the request's `htm` / `htu`, and `ath` = the token's SHA-256), so signing is never inside a measured loop.
 */
import { createHash, randomBytes } from 'node:crypto';
import { obtainUserToken } from '@mcpgate/example-dev-authorization-server';
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
  const answer = await obtainUserToken(issuer, { resource, login, scope, dpopProof: (tokenEndpoint) => proof(proofSpec(key, tokenEndpoint, undefined)) });
  if (answer.token_type !== 'DPoP') throw new Error(`the AS answered token_type ${answer.token_type}, not DPoP`);
  return answer.access_token;
}
