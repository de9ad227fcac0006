import { vi } from 'vitest';

export const ISSUER = 'https://as.example.com';
export const ENDPOINT = 'https://as.example.com/introspect';
export const RESOURCE = 'https://mcp.example.com/mcp';

export interface Call {
  readonly url: string;
  readonly headers: Headers;
  readonly body: URLSearchParams;
  readonly signal: AbortSignal | undefined;
}

export const json = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** A fetch that records every call and answers with `answer(call)`. */
export function fakeFetch(answer: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const impl = vi.fn(async (input: string | URL | Request, init?: RequestInit) => {
    const call: Call = {
      url: String(input),
      headers: new Headers(init?.headers),
      body: new URLSearchParams(typeof init?.body === 'string' ? init.body : ''),
      signal: init?.signal ?? undefined,
    };
    calls.push(call);
    return answer(call);
  });
  return { fetch: impl as unknown as typeof fetch, calls };
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export const activeClaims = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  active: true,
  iss: ISSUER,
  sub: 'user-1',
  client_id: 'client-a',
  scope: 'mcp:tools  mcp:read',
  aud: RESOURCE,
  exp: nowSeconds() + 3600,
  token_type: 'Bearer',
  ...extra,
});

export const baseOptions = { issuer: ISSUER, endpoint: ENDPOINT, clientId: 'rs', clientSecret: 'secret' } as const;
