import { ServiceUnavailableError } from '@mcpgate/core';
import { DEFAULT_MAX_RESPONSE_BYTES, httpClientAttributes, inSpan, readBoundedText } from '@mcpgate/core/internal';
import { basicAuthorization } from '@mcpgate/core/internal';
import type { Span } from '@opentelemetry/api';

/** How mcpgate talks to the upstream authorization server as its OAuth client. */
export interface OAuthClient {
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  readonly fetch: typeof fetch;
  /** Milliseconds. */
  readonly timeoutMs: number;
}

export interface FormResponse {
  readonly status: number;
  readonly body: unknown;
}

/** The span a {@link postForm} call is reported as. */
export type FormSpanName = 'mcpgate.upstream.token' | 'mcpgate.upstream.device_authorization';

/**
 * POSTs an OAuth form with client authentication: `client_secret_basic` when the client has a secret
 * (RFC 6749 §2.3.1), else `client_id` in the body (public client). Network failures, timeouts, 5xx
 * and non-JSON answers become `ServiceUnavailableError` (dependency `upstream`).
 *
 * Reported as the span `spanName`, a child of the active span: `http.request.method`, `url.full` (no
 * query string), `server.address`, `server.port`, `http.response.status_code`, `mcpgate.oauth.grant_type`
 * (the form's `grant_type`), `mcpgate.oauth.error` (the answer's OAuth error code); status ERROR with the
 * error's name when the call fails as above. Never the form's values (codes, tokens, secrets).
 */
export function postForm(
  client: OAuthClient,
  url: string,
  params: Record<string, string>,
  spanName: FormSpanName,
  signal?: AbortSignal,
): Promise<FormResponse> {
  const grantType = params['grant_type'];
  const attributes = { ...httpClientAttributes('POST', url), ...(grantType !== undefined ? { 'mcpgate.oauth.grant_type': grantType } : {}) };
  return inSpan(spanName, { attributes }, (span) => send(client, url, params, span, signal));
}

/** OAuth error codes are short ASCII words (RFC 6749 §5.2); anything else is not put on a span. */
const ERROR_CODE = /^[\x20-\x21\x23-\x5B\x5D-\x7E]{1,64}$/;

async function send(client: OAuthClient, url: string, params: Record<string, string>, span: Span, signal: AbortSignal | undefined): Promise<FormResponse> {
  const body = new URLSearchParams(params);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (client.clientSecret === undefined) {
    body.set('client_id', client.clientId);
  } else {
    headers['authorization'] = basicAuthorization(client.clientId, client.clientSecret);
  }
  const timeout = AbortSignal.timeout(client.timeoutMs);
  const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
  const unavailable = (message: string, cause?: unknown): ServiceUnavailableError =>
    new ServiceUnavailableError(message, { dependency: 'upstream', cause });
  let response: Response;
  let text: string;
  try {
    response = await client.fetch(url, { method: 'POST', headers, body, signal: combined, redirect: 'manual' });
    span.setAttribute('http.response.status_code', response.status);
    text = await readBoundedText(response, DEFAULT_MAX_RESPONSE_BYTES); // an endless or huge answer is an upstream fault
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    const what = timeout.aborted ? `did not answer within ${client.timeoutMs} ms` : 'could not be reached';
    throw unavailable(`upstream endpoint ${new URL(url).origin} ${what}`, error);
  }
  if (response.status >= 500) throw unavailable(`upstream endpoint ${new URL(url).origin} answered ${response.status}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw unavailable(`upstream endpoint ${new URL(url).origin} answered ${response.status} without JSON`, error);
  }
  const code = typeof json === 'object' && json !== null ? (json as { error?: unknown }).error : undefined;
  if (response.status !== 200 && typeof code === 'string' && ERROR_CODE.test(code)) span.setAttribute('mcpgate.oauth.error', code);
  return { status: response.status, body: json };
}
