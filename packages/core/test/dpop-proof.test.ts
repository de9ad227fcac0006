/**
 * The DPoP proof checker on its own: every refusal names its rule, thumbprints agree with jose's RFC 7638
 * implementation for every key type, and a remembered header never lets a later proof skip a check.
 */
import { createHash, createPrivateKey, generateKeyPairSync, randomUUID, sign as nodeSign } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkDpopProof } from '../src/dpop/proof.js';
import { DPOP_ALGORITHMS } from '../src/dpop/options.js';
import { InvalidDpopProofError, InvalidTokenError, type InvalidDpopProofReason } from '../src/errors.js';

const HTU = 'https://mcp.example.com/mcp';
const TOKEN = 'access-token';
const ath = (token: string) => createHash('sha256').update(token).digest('base64url');
const rules = { algorithms: DPOP_ALGORITHMS, maxAgeSeconds: 300 };
const request = { method: 'POST', htu: HTU, accessToken: TOKEN };
const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

interface Key {
  readonly alg: string;
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
}
const keys = new Map<string, Key>();
beforeAll(async () => {
  for (const alg of ['ES256', 'ES384', 'ES512', 'RS256', 'PS384', 'EdDSA', 'Ed25519']) {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    keys.set(alg, { alg, privateKey, jwk: await exportJWK(publicKey) });
  }
});
const k = (alg: string) => keys.get(alg)!;

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { jti: randomUUID(), htm: 'POST', htu: HTU, iat: Math.floor(Date.now() / 1000), ath: ath(TOKEN), ...overrides };
}
function sign(key: Key, payload: Record<string, unknown> = claims(), header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, typ: 'dpop+jwt', jwk: key.jwk, ...header }).sign(key.privateKey);
}
async function reason(proof: string, r: Partial<typeof rules> = {}): Promise<InvalidDpopProofReason | 'accepted'> {
  try {
    await checkDpopProof(proof, request, { ...rules, ...r });
    return 'accepted';
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidDpopProofError);
    return (error as InvalidDpopProofError).reason;
  }
}

describe('checkDpopProof', () => {
  it('accepts every algorithm, and its thumbprint is the RFC 7638 one jose computes', async () => {
    for (const key of keys.values()) {
      const proof = await sign(key);
      const checked = await checkDpopProof(proof, request, rules);
      expect(checked.jkt, key.alg).toBe(await calculateJwkThumbprint(key.jwk, 'sha256'));
      // the second proof with the same header takes the remembered path: same answer
      expect((await checkDpopProof(await sign(key), request, rules)).jkt).toBe(checked.jkt);
    }
  });

  it('ignores jwk members outside the thumbprint, as RFC 7638 does', async () => {
    const key = k('ES256');
    const proof = await sign(key, claims(), { jwk: { ...key.jwk, kid: 'k1', use: 'sig', alg: 'ES256' } });
    expect((await checkDpopProof(proof, request, rules)).jkt).toBe(await calculateJwkThumbprint(key.jwk));
  });

  it('refuses every broken signature, also after the same header was accepted', async () => {
    const key = k('ES256');
    const good = await sign(key);
    expect(await reason(good)).toBe('accepted');
    const [h, p, s] = good.split('.') as [string, string, string];
    const flipped = Buffer.from(s, 'base64url');
    flipped[10]! ^= 1;
    expect(await reason(`${h}.${p}.${flipped.toString('base64url')}`)).toBe('signature');
    expect(await reason(`${h}.${p}.${b64('short')}`)).toBe('signature');
    // another payload under the accepted header and signature
    expect(await reason(`${h}.${b64(claims())}.${s}`)).toBe('signature');
    // a valid signature by another key under this header
    const other = await sign(k('ES256'), claims(), { jwk: (await exportJWK((await generateKeyPair('ES256')).publicKey)) });
    expect(await reason(`${h}.${other.split('.')[1]}.${other.split('.')[2]}`)).toBe('signature');
  });

  it('refuses RSA proofs signed with the other padding, and RSA keys under 2048 bits', async () => {
    const rs = k('RS256');
    const asPss = await new SignJWT(claims()).setProtectedHeader({ alg: 'PS256', typ: 'dpop+jwt', jwk: rs.jwk }).sign(await importJWK({ ...(await exportJWK(rs.privateKey)) }, 'PS256'));
    const [, p, s] = asPss.split('.') as [string, string, string];
    expect(await reason(`${b64({ alg: 'RS256', typ: 'dpop+jwt', jwk: rs.jwk })}.${p}.${s}`)).toBe('signature');
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const smallJwk = small.publicKey.export({ format: 'jwk' });
    const signingInput = `${b64({ alg: 'RS256', typ: 'dpop+jwt', jwk: smallJwk })}.${b64(claims())}`;
    const weak = `${signingInput}.${nodeSign('sha256', Buffer.from(signingInput), small.privateKey).toString('base64url')}`;
    expect(await reason(weak)).toBe('algorithm');
  });

  it('refuses a proof by another key than the token is bound to before checking its signature', async () => {
    const key = k('ES256');
    const jkt = await calculateJwkThumbprint(key.jwk);
    const bound = { ...request, jkt };
    expect((await checkDpopProof(await sign(key), bound, rules)).jkt).toBe(jkt);
    const [h, p] = (await sign(key)).split('.') as [string, string];
    // a bad signature by the right key: a signature refusal
    await expect(checkDpopProof(`${h}.${p}.${b64('x'.repeat(64))}`, bound, rules)).rejects.toMatchObject({ reason: 'signature' });
    // any proof by another key, signed or not: the binding, with no verification
    for (const proof of [await sign(k('ES384')), `${b64({ alg: 'ES384', typ: 'dpop+jwt', jwk: k('ES384').jwk })}.${p}.${b64('y'.repeat(96))}`]) {
      const error = await checkDpopProof(proof, bound, rules).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidTokenError);
      expect(error).toMatchObject({ reason: 'binding' });
    }
  });

  it('refuses RSA keys anyone can sign for or that are slow to verify, and keys meant for something else', async () => {
    const rs = k('RS256');
    const payload = b64(claims());
    const unsigned = (header: Record<string, unknown>) => `${b64(header)}.${payload}.${b64('x'.repeat(256))}`;
    const withExponent = (e: bigint) => {
      const hex = e.toString(16);
      return { ...rs.jwk, e: Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex').toString('base64url') };
    };
    for (const e of [1n, 2n, 65538n, 2n ** 32n + 1n, 2n ** 64n + 1n]) {
      expect(await reason(unsigned({ alg: 'RS256', typ: 'dpop+jwt', jwk: withExponent(e) })), String(e)).not.toBe('signature');
      expect(await reason(unsigned({ alg: 'RS256', typ: 'dpop+jwt', jwk: withExponent(e) })), String(e)).not.toBe('accepted');
    }
    expect(await reason(unsigned({ alg: 'RS256', typ: 'dpop+jwt', jwk: withExponent(3n) }))).toBe('signature');
    // createPublicKey takes any odd modulus: one of 8,208 bits stands in for a large key
    const modulus = Buffer.alloc(1026, 0xa5);
    modulus[0] = 0xc3;
    modulus[1025] = 0x01;
    expect(await reason(unsigned({ alg: 'RS256', typ: 'dpop+jwt', jwk: { kty: 'RSA', n: modulus.toString('base64url'), e: 'AQAB' } }))).toBe('algorithm');
    const es = k('ES256');
    expect(await reason(await sign(es, claims(), { jwk: { ...es.jwk, use: 'enc' } }))).toBe('algorithm');
    expect(await reason(await sign(es, claims(), { jwk: { ...es.jwk, alg: 'ES384' } }))).toBe('algorithm');
    expect(await reason(await sign(es, claims(), { jwk: { ...es.jwk, key_ops: ['encrypt'] } }))).toBe('algorithm');
    expect(await reason(await sign(es, claims(), { jwk: { ...es.jwk, use: 'sig', alg: 'ES256', key_ops: ['verify'] } }))).toBe('accepted');
  });

  it('refuses headers: typ, alg, crit, jwk', async () => {
    const key = k('ES256');
    expect(await reason(await sign(key, claims(), { typ: 'JWT' }))).toBe('type');
    expect(await reason(await sign(key, claims(), { typ: 'application/DPoP+JWT' }))).toBe('accepted');
    expect(await reason(await signRaw(key, `${b64({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk, crit: ['x-ext'], 'x-ext': 1 })}.${b64(claims())}`))).toBe('malformed');
    expect(await reason(await sign(key), { algorithms: ['ES384'] })).toBe('algorithm');
    const payload = b64(claims());
    const unsigned = (header: Record<string, unknown>) => `${b64(header)}.${payload}.${b64('x')}`;
    expect(await reason(unsigned({ alg: 'none', typ: 'dpop+jwt', jwk: key.jwk }))).toBe('algorithm');
    expect(await reason(unsigned({ alg: 'HS256', typ: 'dpop+jwt', jwk: { kty: 'oct', k: 'c2VjcmV0' } }))).toBe('algorithm');
    expect(await reason(unsigned({ alg: 'ES256', typ: 'dpop+jwt', jwk: { kty: 'oct', k: 'c2VjcmV0' } }))).toBe('private_key');
    expect(await reason(unsigned({ alg: 'ES256', typ: 'dpop+jwt', jwk: { ...key.jwk, d: 'AAAA' } }))).toBe('private_key');
    expect(await reason(unsigned({ alg: 'toString', typ: 'dpop+jwt', jwk: key.jwk }))).toBe('algorithm');
    expect(await reason(unsigned({ typ: 'dpop+jwt', jwk: key.jwk }))).toBe('malformed');
    expect(await reason(unsigned({ alg: 'ES256', typ: 'dpop+jwt' }))).toBe('malformed');
    expect(await reason(unsigned({ alg: 'ES256', typ: 'dpop+jwt', jwk: [key.jwk] }))).toBe('malformed');
    // the key type or curve the algorithm needs
    expect(await reason(unsigned({ alg: 'ES256', typ: 'dpop+jwt', jwk: k('ES384').jwk }))).toBe('algorithm');
    expect(await reason(unsigned({ alg: 'RS256', typ: 'dpop+jwt', jwk: key.jwk }))).toBe('algorithm');
    expect(await reason(unsigned({ alg: 'ES256', typ: 'dpop+jwt', jwk: k('RS256').jwk }))).toBe('algorithm');
    expect(await reason(unsigned({ alg: 'EdDSA', typ: 'dpop+jwt', jwk: { ...k('Ed25519').jwk, crv: 'X25519' } }))).toBe('algorithm');
    // not a point on the curve, not base64url
    expect(await reason(unsigned({ alg: 'ES256', typ: 'dpop+jwt', jwk: { ...key.jwk, y: key.jwk.x } }))).toBe('malformed');
    expect(await reason(unsigned({ alg: 'ES256', typ: 'dpop+jwt', jwk: { ...key.jwk, x: 'a+b/' } }))).toBe('malformed');
    expect(await reason(unsigned({ alg: 'ES256', typ: 'dpop+jwt', jwk: { ...key.jwk, x: 5 } }))).toBe('malformed');
    expect(await reason(`${b64('not json')}.${payload}.${b64('x')}`)).toBe('malformed');
    expect(await reason(`${b64('null')}.${payload}.${b64('x')}`)).toBe('malformed');
  });

  it('refuses shapes that are not one compact JWS', async () => {
    const good = await sign(k('ES256'));
    expect(await reason(`${good}.x`)).toBe('malformed');
    expect(await reason(good.replace('.', '..'))).toBe('malformed');
    expect(await reason(`${good}=`)).toBe('malformed');
    // a segment of 4n + 1 characters is not base64url (Node would drop the last one): also for the signature
    expect(await reason(`${good}AAA`)).toBe('malformed');
    expect(await reason(`${good.slice(0, 20)} ${good.slice(20)}`)).toBe('malformed');
    expect(await reason('a'.repeat(9000) + good)).toBe('malformed');
  });

  it('refuses claims: shape, jti, htm, htu, iat, exp, nbf, ath, nonce', async () => {
    const key = k('ES256');
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[Record<string, unknown>, InvalidDpopProofReason | 'accepted']> = [
      [{ jti: undefined }, 'missing_claim'],
      [{ jti: '' }, 'missing_claim'],
      [{ jti: 'j'.repeat(257) }, 'missing_claim'],
      [{ htm: undefined }, 'missing_claim'],
      [{ iat: '1' }, 'missing_claim'],
      [{ htm: 'GET' }, 'method'],
      [{ htu: `${HTU}?a=1` }, 'uri'],
      [{ htu: 'https://other.example.com/mcp' }, 'uri'],
      [{ htu: 'HTTPS://MCP.example.com:443/x/../mcp' }, 'accepted'],
      // well past the ±300 s window: the check runs later than `now`, possibly a second later
      [{ iat: now - 360 }, 'time'],
      [{ iat: now + 360 }, 'time'],
      [{ exp: now - 1 }, 'time'],
      [{ exp: now + 60 }, 'accepted'],
      [{ exp: '9999999999' }, 'malformed'],
      [{ nbf: now + 60 }, 'time'],
      [{ ath: undefined }, 'ath'],
      [{ ath: ath('another') }, 'ath'],
      [{ nonce: 5 }, 'nonce'],
    ];
    for (const [overrides, expected] of cases) {
      const payload = Object.fromEntries(Object.entries(claims(overrides)).filter(([, v]) => v !== undefined));
      expect(await reason(await sign(key, payload)), JSON.stringify(overrides)).toBe(expected);
    }
    for (const payload of ['[1]', 'null', '"s"', '{']) {
      const [h] = (await sign(key)).split('.');
      const body = `${h}.${b64(payload)}`;
      // signed properly by the header's key, so only the claims are wrong
      const signed = await signRaw(key, body);
      expect(await reason(signed), payload).toBe('malformed');
    }
  });
});

/** A JWS over any bytes (SignJWT only signs objects), by `key`. */
async function signRaw(key: Key, signingInput: string): Promise<string> {
  const pem = createPrivateKey({ key: (await exportJWK(key.privateKey)) as never, format: 'jwk' });
  const signature = nodeSign('sha256', Buffer.from(signingInput), { key: pem, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${signature.toString('base64url')}`;
}
