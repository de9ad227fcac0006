import { InvalidRequestError, NoCredentialsError } from './errors.js';
import { trimOws } from './lib/header-value.js';

/** Where credentials may have appeared on a request, as the adapter saw it. */
export interface CredentialSources {
  /** Every `Authorization` header value, in order (Node keeps only the first in `req.headers`; use `rawHeaders`). */
  readonly authorization: readonly string[];
  /** True when the query string carries `access_token` (RFC 6750 §2.3), which is always refused. */
  readonly tokenInQuery?: boolean;
  /** True when a form-encoded body carries `access_token` (RFC 6750 §2.2), which is always refused. */
  readonly tokenInBody?: boolean;
}

const MAX_TOKEN_LENGTH = 16 * 1024;
// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const SCHEME = /^bearer$/i;

/**
 * Extracts the bearer token of a request, strictly (RFC 6750 §2.1): one `Authorization` header, scheme
 * `Bearer` in any case, one or more spaces (SP only), exactly one b64token, nothing after it but SP/HTAB.
 *
 * @throws NoCredentialsError when the request carries no credentials at all.
 * @throws InvalidRequestError when it carries them wrongly (malformed, several, or outside the header).
 *
 * @example
 * ```ts
 * const token = extractBearerToken({ authorization: ['Bearer eyJhbGci…'] });
 * ```
 */
export function extractBearerToken(sources: CredentialSources): string {
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
  const scheme = space === -1 ? value : value.slice(0, space);
  if (!SCHEME.test(scheme)) {
    throw new InvalidRequestError('the Authorization scheme must be Bearer');
  }
  if (space === -1) {
    throw new InvalidRequestError('the Bearer credentials are missing');
  }
  let start = space + 1;
  while (value.charCodeAt(start) === 0x20) start++;
  const token = value.slice(start);
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new InvalidRequestError('the bearer token is too long');
  }
  if (!B64TOKEN.test(token)) {
    throw new InvalidRequestError('the bearer token must be a single b64token');
  }
  return token;
}
