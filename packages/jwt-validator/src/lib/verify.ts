import { jwtVerify, type CryptoKey, type JWTVerifyGetKey, type JWTVerifyOptions, type JWTVerifyResult } from 'jose';

/**
 * `jwtVerify` against a key set. When several keys match the token (no `kid`, or a reused one), each
 * is tried in turn, as jose documents for `JWKSMultipleMatchingKeys`.
 */
export async function verifyWithKeys(token: string, keys: JWTVerifyGetKey, options: JWTVerifyOptions): Promise<JWTVerifyResult> {
  try {
    return await jwtVerify(token, keys, options);
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') throw error;
    const candidates = error as AsyncIterable<CryptoKey>;
    for await (const key of candidates) {
      try {
        return await jwtVerify(token, key, options);
      } catch (attempt) {
        if ((attempt as { code?: unknown } | null)?.code !== 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') throw attempt;
      }
    }
    throw error;
  }
}
