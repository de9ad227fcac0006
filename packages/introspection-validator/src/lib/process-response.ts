import { readBoundedText } from '@mcpgate/core/internal';

/** A validated RFC 7662 §2.2 answer. `active: true` answers carry claims of checked types. */
export type IntrospectionResponse =
  | { readonly active: false }
  | ({ readonly active: true } & Readonly<Record<string, unknown>>);

/** The answer cannot be used: an authorization-server fault, never the token's. */
export class MalformedIntrospectionResponse extends Error {
  override readonly name = 'MalformedIntrospectionResponse';
  /** HTTP status of the answer. */
  readonly status: number;

  constructor(message: string, status: number, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
  }
}

const NUMERIC = ['exp', 'nbf', 'iat'] as const;
const STRINGS = ['iss', 'client_id', 'scope', 'token_type', 'username', 'jti'] as const;

/**
 * Validates an introspection answer strictly: status 200, a JSON object, `active` a boolean (a missing
 * `active` or the string `"true"` is refused), and on active answers the standard members of their
 * RFC 7662 types. Throws {@link MalformedIntrospectionResponse} otherwise. At most `maxBytes` bytes of
 * the body are read; a larger body is cancelled and throws {@link ResponseTooLargeError}.
 */
export async function processIntrospectionResponse(response: Response, maxBytes: number, signal?: AbortSignal): Promise<IntrospectionResponse> {
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined);
    throw new MalformedIntrospectionResponse(`introspection endpoint answered HTTP ${response.status}`, response.status);
  }
  const text = await readBoundedText(response, maxBytes, signal);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new MalformedIntrospectionResponse('introspection response is not JSON', 200, { cause });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new MalformedIntrospectionResponse('introspection response is not a JSON object', 200);
  }
  const claims = json as Record<string, unknown>;
  if (typeof claims['active'] !== 'boolean') {
    throw new MalformedIntrospectionResponse('introspection response "active" is missing or not a boolean', 200);
  }
  if (!claims['active']) return { active: false };
  for (const name of NUMERIC) {
    const value = claims[name];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw new MalformedIntrospectionResponse(`introspection response "${name}" is not a number`, 200);
    }
  }
  for (const name of STRINGS) {
    if (claims[name] !== undefined && typeof claims[name] !== 'string') {
      throw new MalformedIntrospectionResponse(`introspection response "${name}" is not a string`, 200);
    }
  }
  const aud = claims['aud'];
  if (aud !== undefined && typeof aud !== 'string' && !(Array.isArray(aud) && aud.every((a) => typeof a === 'string'))) {
    throw new MalformedIntrospectionResponse('introspection response "aud" is neither a string nor an array of strings', 200);
  }
  return claims as IntrospectionResponse;
}
