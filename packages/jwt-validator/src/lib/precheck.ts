import { decodeJwt, decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { refuse } from './token-errors.js';

/** Longest token accepted, in characters (Node's default header limit is 16 KiB). */
export const MAX_TOKEN_LENGTH = 16_384;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Header and claims of a token, NOT verified: only to pick the issuer and refuse junk before any network call. */
export function decodeUnverified(token: unknown): { header: ProtectedHeaderParameters; claims: JWTPayload } {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) {
    throw refuse('malformed', 'token is not a JWS compact JWT');
  }
  try {
    return { header: decodeProtectedHeader(token), claims: decodeJwt(token) };
  } catch (cause) {
    throw refuse('malformed', 'token header or payload is not base64url JSON', { cause });
  }
}
