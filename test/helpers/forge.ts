import { SignJWT, exportSPKI, generateKeyPair, importJWK, type JWTPayload } from 'jose';
import { createHmac } from 'node:crypto';
import type { DevAuthorizationServer } from '@mcpgate/example-dev-authorization-server';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** Tokens an attacker (or a broken AS) might present, built around the real AS's key and claims. */
export async function forger(as: DevAuthorizationServer, resource: string) {
  const realKey = await importJWK(as.signingKeys.privateJwk, 'RS256');
  const header = { alg: 'RS256', typ: 'at+jwt', kid: as.signingKeys.kid };
  const claims = (extra: JWTPayload = {}): JWTPayload => ({
    iss: as.issuer,
    sub: 'alice',
    aud: resource,
    client_id: 'forged',
    scope: 'mcp:tools',
    iat: now(),
    exp: now() + 600,
    jti: Math.random().toString(36).slice(2),
    ...extra,
  });
  const signReal = (payload: JWTPayload) => new SignJWT(payload).setProtectedHeader(header).sign(realKey);
  const foreign = await generateKeyPair('RS256');
  const publicPem = await exportSPKI((await importJWK(as.signingKeys.publicJwk, "RS256")) as Parameters<typeof exportSPKI>[0]);

  return {
    valid: () => signReal(claims()),
    algNone: () => `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims())}.`,
    hs256WithPublicKey: () => {
      const input = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: as.signingKeys.kid })}.${b64(claims())}`;
      return `${input}.${createHmac('sha256', publicPem).update(input).digest('base64url')}`;
    },
    foreignKeySameKid: () => new SignJWT(claims()).setProtectedHeader(header).sign(foreign.privateKey),
    tampered: async () => {
      const [h, , s] = (await signReal(claims())).split('.');
      return `${h}.${b64(claims({ sub: 'admin', scope: 'mcp:tools mcp:admin' }))}.${s}`;
    },
    wrongIssuer: () => signReal(claims({ iss: 'http://127.0.0.1:1/evil' })),
    wrongAudience: () => signReal(claims({ aud: 'https://other.example/mcp' })),
    expired: () => signReal(claims({ iat: now() - 7200, exp: now() - 3600 })),
    notYetValid: () => signReal(claims({ nbf: now() + 3600 })),
    noExp: () => {
      const { exp: _exp, ...rest } = claims();
      return signReal(rest);
    },
    withClaims: (extra: JWTPayload) => signReal(claims(extra)),
  };
}
