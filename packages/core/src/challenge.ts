import { isMcpAuthError, type AuthScheme, type McpAuthError } from './errors.js';

/** A complete HTTP answer to a refused request, framework-neutral. */
export interface AuthErrorResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** JSON body; never carries stack traces or token bytes. */
  readonly body: Readonly<Record<string, unknown>>;
}

export interface ChallengeOptions {
  /** Absolute URL of this resource's RFC 9728 metadata document. */
  readonly resourceMetadataUrl: string;
  /** Scopes a client should request when it has no token yet (RFC 6750 `scope` in the 401 challenge). */
  readonly defaultScopes: readonly string[];
  /** Whether `Bearer` tokens are accepted. Default true. */
  readonly bearer?: boolean;
  /** The DPoP proof algorithms accepted (RFC 9449 §7.1 `algs`), when DPoP is; undefined: no DPoP challenge. */
  readonly dpopAlgorithms?: readonly string[] | undefined;
}

const MAX_DESCRIPTION_LENGTH = 256;

/**
 * An RFC 9110 quoted-string that is always a valid header value, whatever `value` holds: `"` and `\`
 * escaped, control characters turned into spaces, anything outside ASCII into `?`.
 * Node's `setHeader` throws on characters outside Latin-1 and on controls; nothing built here can.
 */
export function quoteHeaderValue(value: string): string {
  return `"${String(value).replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\x00-\x08\x0A-\x1F\x7F]/g, ' ').replace(/[^\x00-\x7F]/gu, '?')}"`;
}

type Params = Array<[string, string | undefined]>;

function challenge(scheme: string, params: Params): string {
  const parts = params
    .filter((p): p is [string, string] => p[1] !== undefined)
    .map(([k, v]) => `${k}=${quoteHeaderValue(k === 'error_description' ? v.slice(0, MAX_DESCRIPTION_LENGTH) : v)}`);
  return parts.length === 0 ? scheme : `${scheme} ${parts.join(', ')}`;
}

function scopeParam(scopes: readonly string[]): string | undefined {
  return scopes.length === 0 ? undefined : scopes.join(' ');
}

/**
 * The `WWW-Authenticate` value: one challenge per accepted scheme (RFC 9449 §7.2). `params` go on the
 * challenge of `scheme` (the one the request used; by default `Bearer` when accepted), which comes first;
 * the other challenge is bare (`DPoP` carries its `algs`).
 */
function wwwAuthenticate(options: ChallengeOptions, scheme: AuthScheme | undefined, params: Params): string {
  const bearer = options.bearer !== false;
  const algs = options.dpopAlgorithms === undefined ? undefined : options.dpopAlgorithms.join(' ');
  const primary: AuthScheme = scheme === 'DPoP' && algs !== undefined ? 'DPoP' : bearer ? 'Bearer' : 'DPoP';
  // the challenge carrying the parameters comes first: clients that read one scheme read that one
  const dpopChallenge = algs === undefined ? undefined : challenge('DPoP', primary === 'DPoP' ? [...params, ['algs', algs]] : [['algs', algs]]);
  if (primary === 'DPoP') return bearer ? `${dpopChallenge}, Bearer` : (dpopChallenge as string);
  return dpopChallenge === undefined ? challenge('Bearer', params) : `${challenge('Bearer', params)}, ${dpopChallenge}`;
}

/**
 * The HTTP answer for an error, following the status table of the architecture brief:
 * 401 (no `error` code) without credentials, 400 `invalid_request`, 401 `invalid_token`,
 * 403 `insufficient_scope` with every needed scope, 404 for a foreign or unknown session,
 * 403 for a refused `Origin`, 503 with `Retry-After` when a dependency is down, 500 otherwise;
 * 401 `invalid_dpop_proof` and `use_dpop_nonce` (with a fresh `DPoP-Nonce`) for DPoP proofs.
 */
export function errorResponse(error: unknown, options: ChallengeOptions): AuthErrorResponse {
  const metadata = options.resourceMetadataUrl;
  if (!isMcpAuthError(error)) {
    return { status: 500, headers: {}, body: { error: 'server_error', error_description: 'internal error while authenticating the request' } };
  }
  const e = error as McpAuthError & { requiredScopes?: readonly string[]; retryAfter?: number; jsonRpcCode?: number; status?: number; nonce?: string };
  const authenticate = (params: Params): Record<string, string> => ({ 'WWW-Authenticate': wwwAuthenticate(options, e.scheme, params) });
  switch (e.code) {
    case 'ERR_NO_CREDENTIALS':
      return {
        status: 401,
        headers: authenticate([['resource_metadata', metadata], ['scope', scopeParam(options.defaultScopes)]]),
        body: { error: 'unauthorized', error_description: 'authentication required' },
      };
    case 'ERR_INVALID_REQUEST':
      if (e.jsonRpcCode !== undefined) {
        return { status: e.status ?? 400, headers: {}, body: { jsonrpc: '2.0', error: { code: e.jsonRpcCode, message: e.message }, id: null } };
      }
      return {
        status: 400,
        headers: authenticate([['error', 'invalid_request'], ['error_description', e.message], ['resource_metadata', metadata]]),
        body: { error: 'invalid_request', error_description: e.message },
      };
    case 'ERR_INVALID_TOKEN': {
      // a key-binding refusal tells the client what to change (fixed texts); any other keeps its reason private
      const description = (e as McpAuthError & { reason?: string }).reason === 'binding' ? e.message : 'the access token is invalid or expired';
      return {
        status: 401,
        headers: authenticate([
          ['error', 'invalid_token'],
          ['error_description', description],
          ['resource_metadata', metadata],
          ['scope', scopeParam(options.defaultScopes)],
        ]),
        body: { error: 'invalid_token', error_description: description },
      };
    }
    case 'ERR_INVALID_DPOP_PROOF':
      return {
        status: 401,
        headers: { ...authenticate([['error', 'invalid_dpop_proof'], ['error_description', e.message], ['resource_metadata', metadata]]), 'Cache-Control': 'no-store' },
        body: { error: 'invalid_dpop_proof', error_description: e.message },
      };
    case 'ERR_USE_DPOP_NONCE':
      return {
        status: 401,
        headers: {
          ...authenticate([['error', 'use_dpop_nonce'], ['error_description', 'the DPoP proof must carry the nonce of the DPoP-Nonce header'], ['resource_metadata', metadata]]),
          'DPoP-Nonce': e.nonce ?? '',
          'Cache-Control': 'no-store',
        },
        body: { error: 'use_dpop_nonce', error_description: 'the DPoP proof must carry the nonce of the DPoP-Nonce header' },
      };
    case 'ERR_INSUFFICIENT_SCOPE': {
      const scope = (e.requiredScopes ?? []).join(' ');
      return {
        status: 403,
        headers: authenticate([['error', 'insufficient_scope'], ['scope', scope], ['resource_metadata', metadata], ['error_description', e.message]]),
        body: { error: 'insufficient_scope', error_description: e.message, scope },
      };
    }
    case 'ERR_SESSION_NOT_FOUND':
      // Byte-for-byte what the SDK's transport answers for an unknown session, so a foreign session
      // cannot be told apart from one that does not exist.
      return { status: 404, headers: {}, body: { jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null } };
    case 'ERR_ORIGIN_NOT_ALLOWED':
      return { status: 403, headers: {}, body: { jsonrpc: '2.0', error: { code: -32000, message: 'Forbidden: origin not allowed' }, id: null } };
    case 'ERR_UNAVAILABLE':
      return {
        status: 503,
        headers: { 'Retry-After': String(retryAfterSeconds(e.retryAfter)) },
        body: { error: 'temporarily_unavailable', error_description: 'an authorization dependency is unavailable; retry later' },
      };
    case 'ERR_RATE_LIMITED': {
      const seconds = retryAfterSeconds(e.retryAfter);
      return {
        status: 429,
        headers: { 'Retry-After': String(seconds) },
        body: { jsonrpc: '2.0', error: { code: -32000, message: `Too Many Requests: rate limit exceeded; retry after ${seconds} s` }, id: null },
      };
    }
    case 'ERR_RECONNECT_REQUIRED':
      return { status: 403, headers: {}, body: { error: 'reconnect_required', error_description: e.message } };
  }
}

function retryAfterSeconds(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(86_400, Math.max(1, Math.ceil(value))) : 5;
}
