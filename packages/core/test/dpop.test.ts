/** RFC 9449 at the resource server: one failing case per rule, through createMcpAuth as an adapter calls it. */
import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMcpAuth } from '../src/create-mcp-auth.js';
import { InvalidTokenError } from '../src/errors.js';
import { memoryStore } from '../src/memory-store.js';
import type { DpopMode, DpopOptions } from '../src/dpop/options.js';
import type { Principal, Store } from '../src/types.js';

const RESOURCE = 'https://mcp.example.com/mcp';
const quiet = { warn: () => undefined, error: () => undefined };
const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

interface ProofKey {
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
  readonly jkt: string;
  readonly alg: string;
}
async function proofKey(alg = 'ES256'): Promise<ProofKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk), alg };
}

let key: ProofKey;
let other: ProofKey;
beforeAll(async () => {
  key = await proofKey();
  other = await proofKey();
});

interface ProofClaims {
  htm?: string;
  htu?: string;
  iat?: number;
  ath?: string | undefined;
  jti?: string;
  nonce?: string;
}
async function proof(token: string, claims: ProofClaims = {}, options: { key?: ProofKey; header?: Record<string, unknown> } = {}): Promise<string> {
  const k = options.key ?? key;
  const payload: Record<string, unknown> = {
    jti: claims.jti ?? randomUUID(),
    htm: claims.htm ?? 'POST',
    htu: claims.htu ?? RESOURCE,
    iat: claims.iat ?? Math.floor(Date.now() / 1000),
    ...('ath' in claims ? (claims.ath === undefined ? {} : { ath: claims.ath }) : { ath: ath(token) }),
    ...(claims.nonce !== undefined ? { nonce: claims.nonce } : {}),
  };
  return new SignJWT(payload).setProtectedHeader({ alg: k.alg, typ: 'dpop+jwt', jwk: k.jwk, ...options.header }).sign(k.privateKey);
}

function principal(subject: string, jkt?: string): Principal {
  return {
    issuer: 'https://as.example.com',
    subject,
    clientId: 'c',
    scopes: ['mcp:tools'],
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
    audience: [RESOURCE],
    claims: jkt === undefined ? {} : { cnf: { jkt } },
  };
}

function setup(dpop?: DpopMode | DpopOptions, store: Store = memoryStore()) {
  return createMcpAuth({
    resource: RESOURCE,
    authorizationServers: ['https://as.example.com'],
    validator: {
      kind: 'fake',
      async validate(token) {
        if (token === 'bound') return principal('alice', key.jkt);
        if (token === 'plain') return principal('alice');
        throw new InvalidTokenError('unknown', { reason: 'signature' });
      },
    },
    store,
    requiredScopes: ['mcp:tools'],
    logger: quiet,
    ...(dpop !== undefined ? { dpop } : {}),
  });
}

type Auth = ReturnType<typeof setup>;
const body = { jsonrpc: '2.0', id: 1, method: 'ping' };
const dpopRequest = (token: string, proofs: string[], method = 'POST') => ({ method, authorization: [`DPoP ${token}`], dpop: proofs, body });
async function answer(auth: Auth, request: Parameters<Auth['authenticate']>[0]) {
  try {
    const ok = await auth.authenticate(request);
    return { status: 200, headers: ok.headers as Record<string, string>, body: {} as Record<string, unknown>, ok };
  } catch (error) {
    const res = auth.errorResponse(error);
    return { status: res.status, headers: res.headers as Record<string, string>, body: res.body as Record<string, unknown>, ok: undefined };
  }
}
async function refusedProof(auth: Auth, p: string | Promise<string>, token = 'bound', method = 'POST') {
  const res = await answer(auth, dpopRequest(token, [await p], method));
  expect(res.status).toBe(401);
  expect(res.body['error']).toBe('invalid_dpop_proof');
  expect(res.headers['WWW-Authenticate']).toMatch(/DPoP error="invalid_dpop_proof"/);
  return res;
}

describe('DPoP proofs (RFC 9449 §4.3)', () => {
  it('accepts a bound token with a fresh proof, and exposes the confirmed thumbprint', async () => {
    const auth = setup();
    const res = await answer(auth, dpopRequest('bound', [await proof('bound')]));
    expect(res.status).toBe(200);
    expect(res.ok?.principal.jkt).toBe(key.jkt);
    expect((res.ok?.authInfo.extra?.['principal'] as Principal).jkt).toBe(key.jkt);
  });

  it('refuses a proof for another method (htm)', async () => {
    await refusedProof(setup(), proof('bound', { htm: 'GET' }));
  });
  it('refuses an htu with a query, another host, another path', async () => {
    const auth = setup();
    await refusedProof(auth, proof('bound', { htu: `${RESOURCE}?x=1` }));
    await refusedProof(auth, proof('bound', { htu: 'https://evil.example.com/mcp' }));
    await refusedProof(auth, proof('bound', { htu: 'https://mcp.example.com/other' }));
  });
  it('compares htu after normalisation (case, default port, dot segments, percent-encoding)', async () => {
    const auth = setup();
    for (const htu of ['HTTPS://MCP.Example.com:443/mcp', 'https://mcp.example.com/x/../mcp', 'https://mcp.example.com/%6Dcp']) {
      expect((await answer(auth, dpopRequest('bound', [await proof('bound', { htu })]))).status).toBe(200);
    }
  });
  it('refuses a stale and a future iat', async () => {
    const auth = setup({ mode: 'allowed', proofMaxAgeSeconds: 60 });
    const now = Math.floor(Date.now() / 1000);
    await refusedProof(auth, proof('bound', { iat: now - 120 }));
    await refusedProof(auth, proof('bound', { iat: now + 120 }));
    expect((await answer(auth, dpopRequest('bound', [await proof('bound', { iat: now - 50 })]))).status).toBe(200);
  });
  it('refuses a proof without jti, htm, htu or iat, and an oversized jti', async () => {
    const auth = setup();
    const claims = { jti: randomUUID(), htm: 'POST', htu: RESOURCE, iat: Math.floor(Date.now() / 1000), ath: ath('bound') };
    for (const missing of ['jti', 'htm', 'htu', 'iat'] as const) {
      const { [missing]: _dropped, ...rest } = claims;
      const p = await new SignJWT(rest).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk }).sign(key.privateKey);
      expect((await refusedProof(auth, Promise.resolve(p))).body['error_description']).toMatch(/needs/);
    }
    await refusedProof(auth, proof('bound', { jti: 'j'.repeat(300) }));
  });
  it('refuses a missing and a wrong ath', async () => {
    const auth = setup();
    await refusedProof(auth, proof('bound', { ath: undefined }));
    await refusedProof(auth, proof('bound', { ath: ath('another-token') }));
  });
  it('refuses a jwk with a private part', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = await exportJWK(privateKey);
    await refusedProof(setup(), proof('bound', {}, { header: { jwk: privateJwk } }));
  });
  it('refuses none and HS256 proofs, and algorithms outside the allow-list', async () => {
    const auth = setup();
    const unsigned = (header: object, payload: object) =>
      `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;
    const claims = { jti: randomUUID(), htm: 'POST', htu: RESOURCE, iat: Math.floor(Date.now() / 1000), ath: ath('bound') };
    await refusedProof(auth, Promise.resolve(unsigned({ alg: 'none', typ: 'dpop+jwt', jwk: key.jwk }, claims)));
    const secret = new TextEncoder().encode('s'.repeat(32));
    const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: { kty: 'oct', k: Buffer.from(secret).toString('base64url') } as never }).sign(secret);
    await refusedProof(auth, Promise.resolve(hs));
    const es384 = await proofKey('ES384');
    await refusedProof(setup({ mode: 'allowed', algorithms: ['ES256'] }), proof('bound', {}, { key: es384 }));
  });
  it('refuses a wrong typ and a proof not signed by its jwk', async () => {
    const auth = setup();
    await refusedProof(auth, proof('bound', {}, { header: { typ: 'JWT' } }));
    // the header names the bound key, another key signed
    await refusedProof(auth, proof('bound', {}, { key: { ...other, jwk: key.jwk } }));
  });
  it('refuses a missing, a doubled and a malformed DPoP header (400)', async () => {
    const auth = setup();
    const p = await proof('bound');
    for (const proofs of [[], [p, p]]) {
      const res = await answer(auth, dpopRequest('bound', proofs));
      expect(res.status).toBe(400);
      expect(res.headers['WWW-Authenticate']).toMatch(/DPoP error="invalid_request"/);
    }
    await refusedProof(auth, Promise.resolve(`${p}, ${p}`));
  });
  it('refuses a replayed proof, across instances sharing the store', async () => {
    const store = memoryStore();
    const one = setup('allowed', store);
    const two = setup('allowed', store);
    const p = await proof('bound');
    expect((await answer(one, dpopRequest('bound', [p]))).status).toBe(200);
    const again = await refusedProof(two, Promise.resolve(p));
    expect(again.body['error_description']).toMatch(/used before/);
  });
  it('remembers a proof only once every other check passed: a request refused for a session leaves no marker', async () => {
    const store = memoryStore();
    const auth = setup('allowed', store);
    const p = await proof('bound');
    const elsewhere = await answer(auth, { ...dpopRequest('bound', [p]), sessionId: 'not-a-session' });
    expect(elsewhere.status).toBe(404);
    // the proof had no effect, so its first effective use is still to come; after it, a replay is refused
    expect((await answer(auth, dpopRequest('bound', [p]))).status).toBe(200);
    await refusedProof(auth, Promise.resolve(p));
  });
  it('answers 503, never accepts, when the replay store is down', async () => {
    const broken: Store = { ...memoryStore(), add: () => Promise.reject(new Error('down')) };
    expect((await answer(setup('allowed', broken), dpopRequest('bound', [await proof('bound')]))).status).toBe(503);
  });
});

describe('key binding (RFC 9449 §6, §7.2)', () => {
  it('refuses a proof by another key than the token is bound to', async () => {
    const res = await answer(setup(), dpopRequest('bound', [await proof('bound', {}, { key: other })]));
    expect(res.status).toBe(401);
    expect(res.headers['WWW-Authenticate']).toMatch(/DPoP error="invalid_token"/);
  });
  it('refuses a DPoP-bound token presented as a bearer token (no downgrade)', async () => {
    const res = await answer(setup(), { method: 'POST', authorization: ['Bearer bound'], body });
    expect(res.status).toBe(401);
    expect(res.headers['WWW-Authenticate']).toMatch(/^DPoP error="invalid_token", .*algs="[^"]+", Bearer$/);
    expect((await answer(setup('off'), { method: 'POST', authorization: ['Bearer bound'], body })).status).toBe(401);
  });
  it('refuses an unbound token presented with the DPoP scheme', async () => {
    const res = await answer(setup(), dpopRequest('plain', [await proof('plain')]));
    expect(res.status).toBe(401);
    expect(res.headers['WWW-Authenticate']).toMatch(/DPoP error="invalid_token"/);
    expect(res.body['error_description']).toMatch(/not bound to a key/);
  });
  it('refuses a Bearer token sent with a DPoP proof', async () => {
    expect((await answer(setup(), { method: 'POST', authorization: ['Bearer plain'], dpop: [await proof('plain')], body })).status).toBe(400);
  });
});

describe('modes, challenges and metadata', () => {
  it('allowed: Bearer and DPoP challenges, the error on the scheme used', async () => {
    const auth = setup();
    const none = await answer(auth, { method: 'POST', authorization: [], body });
    expect(none.headers['WWW-Authenticate']).toBe(
      'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="mcp:tools", DPoP algs="ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512 EdDSA Ed25519"',
    );
    const badBearer = await answer(auth, { method: 'POST', authorization: ['Bearer nope'], body });
    expect(badBearer.headers['WWW-Authenticate']).toMatch(/^Bearer error="invalid_token", .*, DPoP algs="/);
    expect((await answer(auth, { method: 'POST', authorization: ['Bearer plain'], body })).status).toBe(200);
    expect(auth.metadata.dpop_signing_alg_values_supported).toContain('ES256');
    expect(auth.metadata.dpop_bound_access_tokens_required).toBeUndefined();
  });
  it('required: a bearer token is refused with a challenge that asks for DPoP', async () => {
    const auth = setup('required');
    const res = await answer(auth, { method: 'POST', authorization: ['Bearer plain'], body });
    expect(res.status).toBe(401);
    expect(res.headers['WWW-Authenticate']).toMatch(/^DPoP error="invalid_token", error_description="[^"]*DPoP[^"]*", resource_metadata="[^"]+", scope="mcp:tools", algs="/);
    expect(res.headers['WWW-Authenticate']).not.toMatch(/Bearer/);
    expect(auth.metadata.dpop_bound_access_tokens_required).toBe(true);
    expect((await answer(auth, dpopRequest('bound', [await proof('bound')]))).status).toBe(200);
  });
  it('off: the DPoP scheme is not accepted, and there is no DPoP challenge or metadata', async () => {
    const auth = setup('off');
    expect((await answer(auth, dpopRequest('bound', [await proof('bound')]))).status).toBe(400);
    expect((await answer(auth, { method: 'POST', authorization: [], body })).headers['WWW-Authenticate']).not.toMatch(/DPoP/);
    expect(auth.metadata.dpop_signing_alg_values_supported).toBeUndefined();
  });
  it('checks its options', () => {
    expect(() => setup('sometimes' as never)).toThrow(/dpop must be/);
    expect(() => setup({ mode: 'allowed', algorithms: ['HS256'] })).toThrow(/asymmetric/);
    expect(() => setup({ mode: 'allowed', algorithms: ['none'] })).toThrow(/asymmetric/);
    expect(() => setup({ mode: 'allowed', nonce: true } as never)).toThrow(/dpop: unknown option "nonce"/);
  });
});

describe('server nonces (RFC 9449 §9)', () => {
  it('asks for a nonce with 401 use_dpop_nonce and DPoP-Nonce, accepts it, and offers a fresh one only when it changed', async () => {
    const auth = setup({ mode: 'allowed', requireNonce: true });
    const first = await answer(auth, dpopRequest('bound', [await proof('bound')]));
    expect(first.status).toBe(401);
    expect(first.headers['WWW-Authenticate']).toMatch(/DPoP error="use_dpop_nonce"/);
    const nonce = first.headers['DPoP-Nonce'];
    expect(nonce).toMatch(/^[\w-]{20,}$/);
    const ok = await answer(auth, dpopRequest('bound', [await proof('bound', { nonce })]));
    expect(ok.status).toBe(200);
    expect(ok.headers['DPoP-Nonce']).toBeUndefined();
    const made = await answer(auth, dpopRequest('bound', [await proof('bound', { nonce: 'made-up' })]));
    expect(made.status).toBe(401);
    expect(made.body['error']).toBe('use_dpop_nonce');
  });
  it('shares nonces between instances with one key, not with another key', async () => {
    const key1 = Buffer.alloc(32, 1).toString('base64');
    const make = (encryptionKey: string) =>
      createMcpAuth({
        resource: RESOURCE,
        authorizationServers: ['https://as.example.com'],
        validator: { kind: 'fake', validate: async () => principal('alice', key.jkt) },
        encryptionKey,
        logger: quiet,
        dpop: { mode: 'required', requireNonce: true },
      });
    const nonce = (await answer(make(key1), dpopRequest('bound', [await proof('bound')]))).headers['DPoP-Nonce'];
    expect((await answer(make(key1), dpopRequest('bound', [await proof('bound', { nonce })]))).status).toBe(200);
    expect((await answer(make(Buffer.alloc(32, 2).toString('base64')), dpopRequest('bound', [await proof('bound', { nonce })]))).status).toBe(401);
  });
});

describe('RSA proofs', () => {
  it('accepts RS256 and PS256 proofs', async () => {
    for (const alg of ['RS256', 'PS256']) {
      const rsa = await proofKey(alg);
      const auth = createMcpAuth({
        resource: RESOURCE,
        authorizationServers: ['https://as.example.com'],
        validator: { kind: 'fake', validate: async () => principal('alice', rsa.jkt) },
        logger: quiet,
      });
      expect((await answer(auth, dpopRequest('rsa', [await proof('rsa', {}, { key: rsa })]))).status).toBe(200);
    }
  });
});
