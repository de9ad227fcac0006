import { createWriteStream, openSync, type WriteStream } from 'node:fs';

/**
 * The audit trail: one typed event per security-relevant fact. Events carry who (issuer and subject),
 * which client, what (method and tool, resource or prompt name, the JSON-RPC id) and why (the outcome);
 * never token bytes, proofs, session ids or secrets.
 */
export type McpAuthEventType =
  /** A request that names an operation (tools/call, resources/read, prompts/get) was let through. */
  | 'operation.allowed'
  /** A token or its DPoP proof was refused (invalid, expired, wrong audience, revoked, key mismatch...). */
  | 'token.refused'
  /** A valid token lacked scopes for the operation: step-up demanded (403 insufficient_scope). */
  | 'scope.step_up'
  /** A malformed request, a refused origin, or a request without credentials. */
  | 'request.refused'
  /** A session id used by another principal than the one it is bound to (answered like an unknown session). */
  | 'session.mismatch'
  | 'session.bound'
  | 'session.unbound'
  /** A DPoP proof presented a second time. */
  | 'dpop.replay'
  /** A request over the principal's rate limit (429). */
  | 'rate.limited'
  /** A dependency (authorization server, JWKS, store) could not be reached: 503. */
  | 'dependency.unavailable'
  /** Upstream credentials: a device authorization approved and stored for the principal. */
  | 'upstream.connected'
  /** Upstream credentials: a refresh grant renewed the principal's set. */
  | 'upstream.refreshed'
  /** Upstream credentials: the upstream server refused the refresh token (`invalid_grant`); the set is gone. */
  | 'upstream.revoked'
  /** Upstream credentials: a device authorization approved by another account than the principal's; nothing stored. */
  | 'upstream.identity_mismatch';

/** One audit event. Optional members are present when known. */
export interface McpAuthEvent {
  readonly type: McpAuthEventType;
  /** When it happened, ISO 8601 in UTC. */
  readonly time: string;
  /** `ok`, `invalid_token:expired`, `insufficient_scope`, `unavailable:jwks`, ... (the span's `mcpgate.outcome`). */
  readonly outcome?: string;
  /** Who: the token's issuer and subject. */
  readonly principal?: { readonly issuer: string; readonly subject: string };
  /** The OAuth client the token was issued to. */
  readonly clientId?: string;
  /** The JSON-RPC method, e.g. `tools/call`. */
  readonly method?: string;
  /** The tool or prompt name, or the resource URI (without its query or fragment), the request named. */
  readonly target?: string;
  /** The JSON-RPC id of the request. */
  readonly requestId?: string | number;
  /** For `scope.step_up`: every scope the operation needs. */
  readonly requiredScopes?: readonly string[];
  /** For `dependency.unavailable`: which one (`jwks`, `discovery`, `introspection`, `store`, `upstream`). */
  readonly dependency?: string;
}

/** Receives audit events. Called synchronously; it must not throw (a throw is ignored) and should not block. */
export type McpAuthEventListener = (event: McpAuthEvent) => void;

/** A listener that never throws into the caller. */
export function safeListener(listener: McpAuthEventListener | undefined): McpAuthEventListener | undefined {
  if (listener === undefined) return undefined;
  if (typeof listener !== 'function') throw new TypeError('onEvent must be a function (event) => void');
  return (event) => {
    try {
      listener(event);
    } catch {
      // an audit sink that throws must not fail a request
    }
  };
}

/** A JSON-lines audit sink: returned by {@link jsonLinesAuditLog}. */
export interface JsonLinesAuditLog {
  /** Pass it as `onEvent`. */
  readonly onEvent: McpAuthEventListener;
  /** Flushes and closes a file it opened (not a stream it was given). */
  close(): Promise<void>;
}

/**
 * Writes each event as one JSON line: to a file (appended, created 0600, opened at once: a path that
 * cannot be written throws here), to `-` (standard output), or to a writable stream you give it.
 *
 * @example
 * ```ts
 * const audit = jsonLinesAuditLog('/var/log/mcpgate/audit.jsonl');
 * const auth = createMcpAuth({ ..., onEvent: audit.onEvent });
 * ```
 */
export function jsonLinesAuditLog(target: string | NodeJS.WritableStream): JsonLinesAuditLog {
  let owned: WriteStream | undefined;
  let stream: NodeJS.WritableStream;
  if (target === '-') stream = process.stdout;
  else if (typeof target === 'string') {
    if (target === '') throw new TypeError('jsonLinesAuditLog needs a file path, "-" for standard output, or a stream');
    // opened now, synchronously: a path that cannot be written fails at startup, not by losing every event
    owned = createWriteStream(target, { fd: openSync(target, 'a', 0o600) });
    owned.on('error', () => undefined); // a later write failure (disk full) must not fail a request
    stream = owned;
  } else stream = target;
  return {
    onEvent(event) {
      stream.write(`${JSON.stringify(event)}\n`);
    },
    close: () => (owned === undefined ? Promise.resolve() : new Promise<void>((resolve) => owned?.end(resolve))),
  };
}
