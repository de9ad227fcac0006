import { InvalidRequestError, InvalidTokenError, NoCredentialsError, type AuthScheme } from './errors.js';
import { trimOws } from './lib/header-value.js';

/** Where credentials may have appeared on a request, as the adapter saw it. */
export interface CredentialSources {
  /** Every `Authorization` header value, in order (Node keeps only the first in `req.headers`; use `rawHeaders`). */
  readonly authorization: readonly string[];
  /** Every `DPoP` header value, in order (RFC 9449: exactly one goes with the `DPoP` scheme). */
  readonly dpop?: readonly string[] | undefined;
  /** True when the query string carries `access_token` (RFC 6750 §2.3), which is always refused. */
  readonly tokenInQuery?: boolean;
  /** True when a form-encoded body carries `access_token` (RFC 6750 §2.2), which is always refused. */
  readonly tokenInBody?: boolean;
}

const MAX_TOKEN_LENGTH = 16 * 1024;
// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const NOT_B64TOKEN_CHAR = /[^A-Za-z0-9\-._~+/=]/;

/**
 * True when `token` is one b64token. Equivalent to `/^[A-Za-z0-9\-._~+/]+=*$/`, about twice as fast on a
 * ~800-character JWT (it runs on every request): one negated class, then `=` only as trailing padding.
 */
export function isB64Token(token: string): boolean {
  if (token.length === 0 || NOT_B64TOKEN_CHAR.test(token)) return false;
  const pad = token.indexOf('=');
  if (pad === -1) return true;
  if (pad === 0) return false;
  for (let i = pad + 1; i < token.length; i++) if (token.charCodeAt(i) !== 0x3d) return false;
  return true;
}
const SCHEME = /^bearer$/i;
const DPOP_SCHEME = /^dpop$/i;

/** The access token of a request and how it was presented. */
export interface Credentials {
  readonly scheme: AuthScheme;
  readonly token: string;
  /** The `DPoP` proof that came with a `DPoP`-scheme token. */
  readonly proof: string | undefined;
}

/** Which schemes the resource accepts. */
export interface AcceptedSchemes {
  readonly bearer: boolean;
  readonly dpop: boolean;
}

/**
 * Extracts the bearer token of a request, strictly (RFC 6750 §2.1): one `Authorization` header, scheme
 * `Bearer` in any case, one or more spaces (SP only), exactly one b64token, nothing after it but SP/HTAB.
 * See {@link extractCredentials} for the rules and errors.
 *
 * @example
 * ```ts
 * const token = extractBearerToken({ authorization: ['Bearer eyJhbGci…'] });
 * ```
 */
export function extractBearerToken(sources: CredentialSources): string {
  return extractCredentials(sources, { bearer: true, dpop: false }).token;
}

/**
 * The access token of a request, strictly (RFC 6750 §2.1, RFC 9449 §7.1): one `Authorization` header,
 * scheme `Bearer` or `DPoP` (any case) as `accepted` allows, one or more spaces, exactly one b64token
 * (token68), nothing after it but SP/HTAB; with `DPoP`, exactly one `DPoP` proof header; with `Bearer`,
 * none.
 *
 * @throws NoCredentialsError when the request carries no credentials at all.
 * @throws InvalidRequestError when it carries them wrongly (malformed, several, outside the header, a
 * scheme the resource does not accept, a missing or doubled proof).
 * @throws InvalidTokenError for a `Bearer` token where only DPoP-bound tokens are accepted.
 */
export function extractCredentials(sources: CredentialSources, accepted: AcceptedSchemes): Credentials {
  if (sources.tokenInQuery) {
    throw new InvalidRequestError('access tokens are accepted only in the Authorization header, never in the query string');
  }
  if (sources.tokenInBody) {
    throw new InvalidRequestError('access tokens are accepted only in the Authorization header, never in the request body');
  }
  const headers = sources.authorization;
  if (headers.length === 0) {
    throw new NoCredentialsError('no access token');
  }
  if (headers.length > 1) {
    throw new InvalidRequestError('more than one Authorization header');
  }
  // Only optional whitespace (SP / HTAB, RFC 9110 §5.6.3) surrounds a field value; `trim()` would also
  // strip U+00A0, U+FEFF and line separators and accept what no other parser does.
  const value = trimOws(headers[0] ?? '');
  if (value === '') {
    throw new InvalidRequestError('empty Authorization header');
  }
  const space = value.indexOf(' ');
  const schemeText = space === -1 ? value : value.slice(0, space);
  const scheme: AuthScheme | undefined = SCHEME.test(schemeText) ? 'Bearer' : accepted.dpop && DPOP_SCHEME.test(schemeText) ? 'DPoP' : undefined;
  if (scheme === undefined) {
    throw new InvalidRequestError(accepted.dpop ? 'the Authorization scheme must be Bearer or DPoP' : 'the Authorization scheme must be Bearer');
  }
  const refuse = (error: InvalidRequestError | InvalidTokenError): never => {
    error.scheme = scheme;
    throw error;
  };
  if (space === -1) refuse(new InvalidRequestError(`the ${scheme} credentials are missing`));
  let start = space + 1;
  while (value.charCodeAt(start) === 0x20) start++;
  const token = value.slice(start);
  if (token.length > MAX_TOKEN_LENGTH) refuse(new InvalidRequestError('the access token is too long'));
  if (!isB64Token(token)) refuse(new InvalidRequestError(scheme === 'Bearer' ? 'the bearer token must be a single b64token' : 'the access token must be a single token68'));
  const proofs = sources.dpop ?? [];
  if (scheme === 'Bearer') {
    if (!accepted.bearer) refuse(new InvalidTokenError('this resource accepts only DPoP-bound access tokens, with the DPoP scheme and a proof', { reason: 'binding' }));
    if (proofs.length > 0) refuse(new InvalidRequestError('a DPoP proof goes with the DPoP scheme, not with a Bearer token'));
    return { scheme, token, proof: undefined };
  }
  if (proofs.length !== 1) refuse(new InvalidRequestError(proofs.length === 0 ? 'the DPoP scheme needs a DPoP proof header' : 'more than one DPoP header'));
  return { scheme, token, proof: trimOws(proofs[0] as string) };
}
