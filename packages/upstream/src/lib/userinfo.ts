import { ServiceUnavailableError } from '@mcpgate/core';
import { DEFAULT_MAX_RESPONSE_BYTES, httpClientAttributes, inSpan, readBoundedText } from '@mcpgate/core/internal';
import type { ClaimsCheck } from './id-token.js';

/**
 * Asks the OpenID Connect userinfo endpoint (§5.3) who `accessToken` belongs to. Unreachable, timed
 * out or 5xx: `ServiceUnavailableError`. Any other answer without a JSON `sub`: a problem. Reported as the
 * span `mcpgate.upstream.userinfo` (`url.full` without query string, `http.response.status_code`).
 */
export function fetchUserinfo(client: { readonly fetch: typeof fetch; readonly timeoutMs: number }, endpoint: string, accessToken: string): Promise<ClaimsCheck> {
  return inSpan('mcpgate.upstream.userinfo', { attributes: httpClientAttributes('GET', endpoint) }, async (span) => {
    const check = await ask(client, endpoint, accessToken, (status) => span.setAttribute('http.response.status_code', status));
    if ('problem' in check) span.setAttribute('mcpgate.outcome', 'unusable');
    else span.setAttribute('mcpgate.outcome', 'ok');
    return check;
  });
}

async function ask(
  client: { readonly fetch: typeof fetch; readonly timeoutMs: number },
  endpoint: string,
  accessToken: string,
  onStatus: (status: number) => void,
): Promise<ClaimsCheck> {
  const origin = new URL(endpoint).origin;
  let response: Response;
  let text: string;
  try {
    response = await client.fetch(endpoint, {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      signal: AbortSignal.timeout(client.timeoutMs),
      redirect: 'manual',
    });
    onStatus(response.status);
    text = await readBoundedText(response, DEFAULT_MAX_RESPONSE_BYTES); // an endless or huge answer is an upstream fault
  } catch (error) {
    throw new ServiceUnavailableError(`upstream userinfo endpoint ${origin} could not be reached`, { dependency: 'upstream', cause: error });
  }
  if (response.status >= 500) throw new ServiceUnavailableError(`upstream userinfo endpoint ${origin} answered ${response.status}`, { dependency: 'upstream' });
  if (response.status !== 200) return { problem: `the userinfo endpoint answered ${response.status}` };
  let claims: unknown;
  try {
    claims = JSON.parse(text);
  } catch {
    return { problem: 'the userinfo response is not JSON' };
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return { problem: 'the userinfo response is not a JSON object' };
  const sub = (claims as Record<string, unknown>)['sub'];
  if (typeof sub !== 'string' || sub === '') return { problem: 'the userinfo response has no sub' };
  return { claims: claims as Record<string, unknown> };
}
