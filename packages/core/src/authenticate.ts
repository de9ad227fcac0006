import { extractCredentials, type CredentialSources, type Credentials } from './bearer.js';
import { normalizedHtu } from './dpop/htu.js';
import type { ResolvedDpop } from './dpop/options.js';
import { checkDpopProof } from './dpop/proof.js';
import {
  InvalidDpopProofError,
  InvalidRequestError,
  InvalidTokenError,
  isMcpAuthError,
  OriginNotAllowedError,
  UseDpopNonceError,
  type AuthScheme,
  type McpAuthError,
} from './errors.js';
import { sha256 } from './lib/hash.js';
import { operationsOf, type McpOperation } from './operations.js';
import type { RateLimiter } from './rate-limit.js';
import type { DecisionRecord } from './telemetry/decision.js';
import type { ScopePolicy } from './scopes.js';
import type { SessionBindings } from './sessions.js';
import type { AuthInfo, Principal, Store } from './types.js';
import type { TokenVerifier } from './verify-token.js';

/** What an adapter knows about an incoming MCP request. */
export interface McpAuthRequest extends CredentialSources {
  /** HTTP method, upper case. */
  readonly method: string;
  /** `Mcp-Session-Id`, when present. */
  readonly sessionId?: string | undefined;
  /** `Mcp-Name` header, when present (2026-07-28 clients). */
  readonly mcpName?: string | undefined;
  /** `Mcp-Method` header, when present. */
  readonly mcpMethod?: string | undefined;
  /** The parsed JSON-RPC body, when already parsed (check it with `assertPlainJson` if a parser you do not control made it). */
  readonly body?: unknown;
  /**
   * Reads and parses the body (`parseJsonRpcBody`), when it has not been read yet. Called only once the
   * token, the session and the global scopes have passed, so a request without valid credentials is
   * refused without its body being read.
   */
  readonly readBody?: (() => Promise<unknown>) | undefined;
  /** `Origin` header, when present. */
  readonly origin?: string | undefined;
}

/** An authenticated request. */
export interface McpAuthSuccess {
  readonly principal: Principal;
  /** The SDK's `AuthInfo`: set it as `req.auth` so tools receive it as `extra.authInfo`. */
  readonly authInfo: AuthInfo;
  /** The body as read by `readBody` (or given as `body`): hand this very object to the transport. */
  readonly body: unknown;
  /**
   * When the credentials stop being acceptable, in milliseconds since the epoch: the token's `exp` plus
   * the validator's clock tolerance. A long-lived response (an SSE stream) must end by then.
   */
  readonly validUntil: number;
  /** Headers to add to the response (a fresh `DPoP-Nonce`); usually none. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface PipelineParts {
  readonly resource: string;
  /** Absolute URL of the resource's RFC 9728 metadata (SDK 2.x `AuthInfo.resourceMetadataUrl`). */
  readonly resourceMetadataUrl: string;
  readonly originAllowed: (origin: string) => boolean;
  readonly verify: TokenVerifier;
  readonly sessions: SessionBindings;
  readonly policy: ScopePolicy;
  /** Seconds past `exp` the validator still accepts a token. */
  readonly clockToleranceSeconds: number;
  readonly dpop: ResolvedDpop;
  /** Where proof `jti`s are remembered (shared by instances: a replay is refused on every one). */
  readonly store: Store;
  /** Charges the request to the principal's rate limit, when one is configured. */
  readonly rateLimit: RateLimiter | undefined;
}

/** A proof's replay marker: its store key and how long it must be kept. */
interface ProofMarker {
  readonly key: string;
  readonly rememberMs: number;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
const NO_OPERATIONS: readonly McpOperation[] = Object.freeze([]);

/**
 * The request pipeline, in the order that keeps the cheap and the unauthenticated first: `Origin`, the
 * credentials, the token, the DPoP proof and key binding (every request: a proof is never cached), the
 * session binding, the global scopes; only then the body is read, and the per-operation scopes checked
 * against the very object the transport will run; then the rate limit, and last the proof's replay check.
 */
export function authenticator(parts: PipelineParts): (request: McpAuthRequest, record: DecisionRecord) => Promise<McpAuthSuccess> {
  const { originAllowed, verify, sessions, policy, dpop, store, rateLimit } = parts;
  const resource = new URL(parts.resource);
  const htu = (normalizedHtu(parts.resource) as { uri: string }).uri;
  const tolerance = parts.clockToleranceSeconds;
  const schemes = { bearer: dpop.mode !== 'required', dpop: dpop.mode !== 'off' };

  /** The proof's checks but the replay check, which {@link rememberProof} makes once every other check passed. */
  const checkProof = async (credentials: Credentials, principal: Principal, method: string): Promise<{ headers: Readonly<Record<string, string>>; jti: ProofMarker }> => {
    if (principal.jkt === undefined) throw asScheme(new InvalidTokenError('the access token is not bound to a key, but came with the DPoP scheme', { reason: 'binding' }), 'DPoP');
    // the key binding (RFC 9449 §6) is checked before the signature: a proof by another key costs no verification
    const proof = await checkDpopProof(credentials.proof as string, { method, htu, accessToken: credentials.token, jkt: principal.jkt }, dpop);
    const current = dpop.nonces?.current();
    if (current !== undefined && (proof.nonce === undefined || !dpop.nonces?.accepts(proof.nonce))) {
      throw new UseDpopNonceError('the DPoP proof needs a current server nonce', current);
    }
    // jti values are unique per key (RFC 9449 §11.1): one client's proofs never collide with another's
    const jti = {
      key: `dpop-jti:${sha256(`${proof.jkt}\n${proof.jti}`)}`,
      rememberMs: Math.max(1_000, Math.ceil((proof.iat + dpop.maxAgeSeconds - Date.now() / 1000) * 1000) + 1_000),
    };
    // RFC 9449 §8.2: a response carrying a nonce should not be cached
    return { headers: current !== undefined && proof.nonce !== current ? { 'DPoP-Nonce': current, 'Cache-Control': 'no-store' } : NO_HEADERS, jti };
  };
  /**
   * Refuses a proof seen before, and remembers this one (until it is too old to be accepted anyway). Done
   * last, so that a request refused for any other reason (a session, a scope, the rate limit) leaves no
   * marker: a user's own proofs cannot fill the store beyond what the rate limit lets through.
   */
  const rememberProof = async (jti: ProofMarker): Promise<void> => {
    if (!(await store.add(jti.key, 1, jti.rememberMs))) {
      throw new InvalidDpopProofError('the DPoP proof has been used before (jti)', { reason: 'replay' });
    }
  };

  return async (request, record) => {
    if (request.origin !== undefined && !originAllowed(request.origin)) {
      throw new OriginNotAllowedError(`origin ${request.origin} may not call this server`);
    }
    const credentials = extractCredentials(request, schemes);
    try {
      const verified = verify(credentials.token);
      const principal = verified instanceof Promise ? await verified : verified;
      record.principal = principal;
      let headers = NO_HEADERS;
      let jti: ProofMarker | undefined;
      if (credentials.scheme === 'DPoP') ({ headers, jti } = await checkProof(credentials, principal, request.method));
      else if (principal.jkt !== undefined) {
        // RFC 9449 §7.2: a DPoP-bound token presented as a bearer token is refused (no downgrade)
        const refusal =
          dpop.mode === 'off'
            ? new InvalidTokenError('the access token is bound to a key (DPoP), which this resource does not accept', { reason: 'binding' })
            : new InvalidTokenError('the access token is bound to a key: present it with the DPoP scheme and a proof', { reason: 'binding' });
        throw asScheme(refusal, dpop.mode === 'off' ? 'Bearer' : 'DPoP');
      }
      if (request.sessionId !== undefined) await sessions.assert(request.sessionId, principal);
      policy.assert(principal.scopes, []);
      const body = request.body !== undefined || request.readBody === undefined ? request.body : await request.readBody();
      record.body = body;
      const strict = policy.dependsOnOperations;
      if (strict && request.method === 'POST' && body === undefined) {
        throw new InvalidRequestError('Invalid Request: per-operation scopes apply and the JSON-RPC body could not be read', { jsonRpcCode: -32600 });
      }
      let operations: readonly McpOperation[] = NO_OPERATIONS;
      if (strict || body !== undefined || request.mcpName !== undefined || request.mcpMethod !== undefined) {
        operations = operationsOf({ mcpName: request.mcpName, mcpMethod: request.mcpMethod, body }, strict);
        record.operations = operations;
        if (operations.length > 0) policy.assert(principal.scopes, operations);
      }
      if (rateLimit !== undefined) await rateLimit(principal, operations, Array.isArray(body) ? body.length : 1);
      if (jti !== undefined) await rememberProof(jti);
      const authInfo: AuthInfo = {
        token: credentials.token,
        clientId: principal.clientId,
        scopes: [...principal.scopes],
        expiresAt: principal.expiresAt,
        resource,
        resourceMetadataUrl: parts.resourceMetadataUrl,
        extra: { principal },
      };
      return { principal, authInfo, body, validUntil: (principal.expiresAt + tolerance) * 1000, headers };
    } catch (error) {
      // the challenge of the scheme the client used carries the error (RFC 9449 §7.2)
      throw credentials.scheme === 'DPoP' && isMcpAuthError(error) && error.scheme === undefined ? asScheme(error, 'DPoP') : error;
    }
  };
}

/** `error` for the challenge of `scheme`: a copy when it came from elsewhere (a validator's errors may be shared by concurrent requests). */
function asScheme<E extends McpAuthError>(error: E, scheme: AuthScheme): E {
  if (error.scheme === scheme) return error;
  const copy = Object.create(Object.getPrototypeOf(error) as object, Object.getOwnPropertyDescriptors(error)) as E;
  copy.scheme = scheme;
  return copy;
}
