/** A `fetch` that records what an MCP client sent and got back, for tests that check a client's behaviour. */
export interface HttpExchange {
  readonly method: string;
  readonly url: URL;
  readonly status: number;
  /** The form body of a request (token requests), else undefined. */
  readonly form: URLSearchParams | undefined;
  readonly wwwAuthenticate: string | null;
}

export interface RecordingFetch {
  readonly fetch: typeof fetch;
  readonly exchanges: HttpExchange[];
  /** The token requests (`/token`), with their form bodies. */
  tokenRequests(): URLSearchParams[];
  /** The `WWW-Authenticate` of every answer with this status. */
  challenges(status: number): string[];
}

export function recordingFetch(): RecordingFetch {
  const exchanges: HttpExchange[] = [];
  const recorder: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const form = request.headers.get('content-type')?.startsWith('application/x-www-form-urlencoded')
      ? new URLSearchParams(await request.clone().text())
      : undefined;
    const response = await fetch(request);
    exchanges.push({ method: request.method, url: new URL(request.url), status: response.status, form, wwwAuthenticate: response.headers.get('www-authenticate') });
    return response;
  };
  return {
    fetch: recorder,
    exchanges,
    tokenRequests: () => exchanges.filter((e) => e.url.pathname === '/token' && e.form !== undefined).map((e) => e.form as URLSearchParams),
    challenges: (status) => exchanges.filter((e) => e.status === status && e.wwwAuthenticate !== null).map((e) => e.wwwAuthenticate as string),
  };
}

/** A parameter of a `WWW-Authenticate` challenge (quoted-string values unescaped). */
export function challengeParam(header: string, name: string): string | undefined {
  const match = new RegExp(`(?:^|[\\s,])${name}="((?:[^"\\\\]|\\\\.)*)"`).exec(header);
  return match?.[1]?.replace(/\\(.)/g, '$1');
}
