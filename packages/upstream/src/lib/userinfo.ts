import { ServiceUnavailableError } from '@mcpgate/core';
import { DEFAULT_MAX_RESPONSE_BYTES, readBoundedText } from '@mcpgate/core/internal';
import type { ClaimsCheck } from './id-token.js';

/**
 * Asks the OpenID Connect userinfo endpoint (§5.3) who `accessToken` belongs to. Unreachable, timed
 * out or 5xx: `ServiceUnavailableError`. Any other answer without a JSON `sub`: a problem.
 */
export async function fetchUserinfo(
  client: { readonly fetch: typeof fetch; readonly timeoutMs: number },
  endpoint: string,
  accessToken: string,
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
