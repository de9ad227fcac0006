import { ServiceUnavailableError } from '@mcpgate/core';
import { DEFAULT_MAX_RESPONSE_BYTES, readBoundedText } from '@mcpgate/core/internal';
import { basicAuthorization } from '@mcpgate/core/internal';

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

/**
 * POSTs an OAuth form with client authentication: `client_secret_basic` when the client has a secret
 * (RFC 6749 §2.3.1), else `client_id` in the body (public client). Network failures, timeouts, 5xx
 * and non-JSON answers become `ServiceUnavailableError` (dependency `upstream`).
 */
export async function postForm(client: OAuthClient, url: string, params: Record<string, string>, signal?: AbortSignal): Promise<FormResponse> {
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
  return { status: response.status, body: json };
}
