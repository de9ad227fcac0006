import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { McpAuthRequest, McpAuthSuccess } from '../authenticate.js';
import { isMcpAuthError, type McpAuthErrorCode } from '../errors.js';
import type { McpOperation } from '../operations.js';
import type { Principal } from '../types.js';
import type { McpAuthEvent, McpAuthEventListener, McpAuthEventType } from './events.js';
import { decisionDuration, decisions } from './instruments.js';
import { mcpgateTracer, now } from './otel.js';

/** What the pipeline learns about a request as it goes, for the span, the metrics and the audit event. */
export interface DecisionRecord {
  principal?: Principal;
  body?: unknown;
  operations?: readonly McpOperation[];
}

/**
 * The outcome of a decision, as a short stable string: `ok`, `no_credentials`, `invalid_request`,
 * `invalid_token:<reason>`, `insufficient_scope`, `session_mismatch`, `origin_not_allowed`,
 * `unavailable:<dependency>`, `invalid_dpop_proof:<reason>`, `use_dpop_nonce`, `rate_limited`,
 * `reconnect_required`, `error` (a bug-shaped failure).
 */
export function outcomeOf(error: unknown): string {
  if (!isMcpAuthError(error)) return 'error';
  const e = error as { code: string; reason?: string; dependency?: string };
  const kind = KINDS[e.code as McpAuthErrorCode];
  if (kind === undefined) return 'error';
  const detail = kind.detail === 'reason' ? e.reason : kind.detail === 'dependency' ? e.dependency : undefined;
  return kind.detail === undefined ? kind.outcome : `${kind.outcome}:${detail ?? 'other'}`;
}

/** Per error code: the outcome it is counted as (with its reason or dependency), and the audit event it makes. */
const KINDS: Readonly<Record<McpAuthErrorCode, { outcome: string; detail?: 'reason' | 'dependency'; event?: McpAuthEventType }>> = {
  ERR_NO_CREDENTIALS: { outcome: 'no_credentials', event: 'request.refused' },
  ERR_INVALID_REQUEST: { outcome: 'invalid_request', event: 'request.refused' },
  ERR_ORIGIN_NOT_ALLOWED: { outcome: 'origin_not_allowed', event: 'request.refused' },
  ERR_INVALID_TOKEN: { outcome: 'invalid_token', detail: 'reason', event: 'token.refused' },
  ERR_INVALID_DPOP_PROOF: { outcome: 'invalid_dpop_proof', detail: 'reason', event: 'token.refused' },
  ERR_USE_DPOP_NONCE: { outcome: 'use_dpop_nonce' },
  ERR_INSUFFICIENT_SCOPE: { outcome: 'insufficient_scope', event: 'scope.step_up' },
  ERR_SESSION_NOT_FOUND: { outcome: 'session_mismatch', event: 'session.mismatch' },
  ERR_UNAVAILABLE: { outcome: 'unavailable', detail: 'dependency', event: 'dependency.unavailable' },
  ERR_RATE_LIMITED: { outcome: 'rate_limited', event: 'rate.limited' },
  ERR_RECONNECT_REQUIRED: { outcome: 'reconnect_required' },
};

/**
 * Wraps the pipeline with what an operator sees: a span per decision (`mcpgate.authenticate`, a child of
 * the incoming request's span, linked to a 2026-07-28 `_meta.traceparent` when the body carries one),
 * the decision counter and latency histogram by outcome, and the audit event. Never token bytes.
 */
export function observedDecisions(
  pipeline: (request: McpAuthRequest, record: DecisionRecord) => Promise<McpAuthSuccess>,
  onEvent: McpAuthEventListener | undefined,
): (request: McpAuthRequest) => Promise<McpAuthSuccess> {
  return async (request) => {
    const span = mcpgateTracer().startSpan('mcpgate.authenticate', { kind: SpanKind.INTERNAL, attributes: { 'http.request.method': request.method } });
    const recording = span.isRecording();
    const started = now();
    const record: DecisionRecord = {};
    let outcome = 'ok';
    let failure: unknown;
    try {
      return await (recording ? context.with(trace.setSpan(context.active(), span), () => pipeline(request, record)) : pipeline(request, record));
    } catch (error) {
      failure = error;
      outcome = outcomeOf(error);
      throw error;
    } finally {
      const attributes = { 'mcpgate.outcome': outcome };
      decisions().add(1, attributes);
      decisionDuration().record((now() - started) / 1000, attributes);
      if (recording) finishSpan(span, outcome, record, failure);
      else span.end();
      if (onEvent !== undefined) emit(onEvent, outcome, record, failure);
    }
  };
}

function message(record: DecisionRecord): { method?: string; id?: string | number; meta?: Record<string, unknown> } {
  const body = record.body;
  const found: { method?: string; id?: string | number; meta?: Record<string, unknown> } = {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return found;
  const { method, id, params } = body as { method?: unknown; id?: unknown; params?: unknown };
  const meta = typeof params === 'object' && params !== null ? (params as { _meta?: unknown })._meta : undefined;
  if (typeof method === 'string') found.method = method;
  if (typeof id === 'string' || typeof id === 'number') found.id = id;
  if (typeof meta === 'object' && meta !== null) found.meta = meta as Record<string, unknown>;
  return found;
}

/** An operation's name as traces and audit events record it: a resource URI without its query or fragment (which may carry secrets). */
function recordedName(operation: McpOperation): string {
  if (operation.kind !== 'resource') return operation.name;
  const end = operation.name.search(/[?#]/);
  return end === -1 ? operation.name : operation.name.slice(0, end);
}

function finishSpan(span: Span, outcome: string, record: DecisionRecord, failure: unknown): void {
  span.setAttribute('mcpgate.outcome', outcome);
  const { method, id, meta } = message(record);
  if (method !== undefined) span.setAttribute('mcp.method.name', method);
  if (id !== undefined) span.setAttribute('jsonrpc.request.id', String(id));
  const target = record.operations?.[0];
  if (target !== undefined) span.setAttribute(target.kind === 'tool' ? 'gen_ai.tool.name' : `mcp.${target.kind}.name`, recordedName(target));
  if (record.principal !== undefined) {
    span.setAttribute('enduser.id', record.principal.subject);
    span.setAttribute('mcpgate.issuer', record.principal.issuer);
    if (record.principal.clientId !== '') span.setAttribute('mcpgate.client_id', record.principal.clientId);
  }
  const traceparent = meta?.['traceparent'];
  if (typeof traceparent === 'string') {
    const carrier: Record<string, string> = { traceparent };
    if (typeof meta?.['tracestate'] === 'string') carrier['tracestate'] = meta['tracestate'];
    const linked = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, carrier));
    if (linked !== undefined) span.addLink({ context: linked, attributes: { 'mcpgate.link': '_meta.traceparent' } });
  }
  // a refusal is a normal answer; only a dependency outage or a bug marks the span as failed
  if (outcome.startsWith('unavailable:') || outcome === 'error') {
    span.setStatus({ code: SpanStatusCode.ERROR, message: failure instanceof Error ? failure.name : outcome });
  }
  span.end();
}

function emit(onEvent: McpAuthEventListener, outcome: string, record: DecisionRecord, failure: unknown): void {
  const code = isMcpAuthError(failure) ? failure.code : undefined;
  let type: McpAuthEventType | undefined;
  if (failure === undefined) type = record.operations !== undefined && record.operations.length > 0 ? 'operation.allowed' : undefined;
  else if (code === 'ERR_INVALID_DPOP_PROOF' && outcome === 'invalid_dpop_proof:replay') type = 'dpop.replay';
  else if (code !== undefined) type = KINDS[code].event;
  if (type === undefined) return;
  const { method, id } = message(record);
  const operation = record.operations?.[0];
  const target = operation === undefined ? undefined : recordedName(operation);
  const principal = record.principal;
  const e = failure as { requiredScopes?: readonly string[]; dependency?: string } | undefined;
  const event: McpAuthEvent = {
    type,
    time: new Date().toISOString(),
    outcome,
    ...(principal !== undefined ? { principal: { issuer: principal.issuer, subject: principal.subject } } : {}),
    ...(principal !== undefined && principal.clientId !== '' ? { clientId: principal.clientId } : {}),
    ...(method !== undefined ? { method } : {}),
    ...(target !== undefined ? { target } : {}),
    ...(id !== undefined ? { requestId: id } : {}),
    ...(type === 'scope.step_up' && e?.requiredScopes !== undefined ? { requiredScopes: [...e.requiredScopes] } : {}),
    ...(type === 'dependency.unavailable' && e?.dependency !== undefined ? { dependency: e.dependency } : {}),
  };
  onEvent(event);
}
