import type { McpAuth } from '@mcpgate/core';
import type { PlainAnswer } from '@mcpgate/core/internal';

/** The answer to a refused request, as a `Response`. Never throws: a failing error mapper becomes a bare 500. */
export function errorResponse(auth: McpAuth, error: unknown, extraHeaders: Readonly<Record<string, string>> = {}): Response {
  try {
    const answer = auth.errorResponse(error);
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { ...answer.headers, ...extraHeaders, 'Content-Type': 'application/json' } });
  } catch {
    return new Response(null, { status: 500, headers: extraHeaders });
  }
}

/** A framework-neutral answer (`discoveryAnswer` and the like) as a `Response`. */
export function answerResponse(answer: PlainAnswer): Response {
  return new Response(answer.body ?? null, { status: answer.status, headers: answer.headers });
}

/**
 * `response` with `headers` added. A `Response` from `fetch` (or a framework) may have immutable headers,
 * so a new one is built around the same body.
 */
export function withHeaders(response: Response, headers: Readonly<Record<string, string>>): Response {
  const merged = new Headers(response.headers);
  for (const [name, value] of Object.entries(headers)) merged.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers: merged });
}
