/**
 * An introspection answer without `aud` cannot show the token was meant for this resource server: by
 * default it is refused (401). The real dev AS and example server, with the AS's answers passed through
 * a fetch that drops `aud`, as an AS that omits it would answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIntrospectionStack, type IntrospectionStack } from './helpers/introspection-stack.js';
import { initialize, post, tokenFor } from './helpers/stack.js';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The global fetch, with `aud` removed from every introspection answer (POST). */
const withoutAud: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  if (init?.method !== 'POST' || response.status !== 200) return response;
  const { aud: _aud, ...answer } = (await response.json()) as Record<string, unknown>;
  return Response.json(answer);
};

/** The global fetch, recording whether the AS's own answers carry `aud`. */
function recordingAud(seen: unknown[]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (init?.method !== 'POST' || response.status !== 200) return response;
    const answer = (await response.json()) as Record<string, unknown>;
    if (answer['active'] === true) seen.push(answer['aud']);
    return Response.json(answer);
  };
}

describe('introspection answers without aud', () => {
  const warnings: string[] = [];
  const seenAud: unknown[] = [];
  let strict: IntrospectionStack;
  let optedOut: IntrospectionStack;
  let plain: IntrospectionStack;

  beforeAll(async () => {
    [strict, optedOut, plain] = await Promise.all([
      startIntrospectionStack({ cacheTtlSeconds: 60, validator: { fetch: withoutAud } }),
      startIntrospectionStack({
        cacheTtlSeconds: 60,
        validator: { fetch: withoutAud, requireAudience: false, logger: { warn: (m: string) => warnings.push(m), error: (m: string) => warnings.push(m) } },
      }),
      startIntrospectionStack({ cacheTtlSeconds: 60, validator: { fetch: recordingAud(seenAud) } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([strict?.close(), optedOut?.close(), plain?.close()]);
  });

  it('are refused by default → 401 invalid_token', async () => {
    const { access_token } = await tokenFor(strict.as, strict.resource, 'alice');
    const res = await post(strict.mcpUrl, initialize, bearer(access_token));
    expect(res.status, res.text).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('are accepted with requireAudience: false, which logged one warning at construction', async () => {
    expect(warnings.filter((w) => /requireAudience/.test(w))).toHaveLength(1);
    expect(warnings[0]).toMatch(/omits aud.*other resource servers will be accepted/);
    const { access_token } = await tokenFor(optedOut.as, optedOut.resource, 'alice');
    const res = await post(optedOut.mcpUrl, initialize, bearer(access_token));
    expect(res.status, res.text).toBe(200);
  });

  it("the dev AS's own answers carry aud naming the resource, so the default works against it", async () => {
    const { access_token } = await tokenFor(plain.as, plain.resource, 'alice');
    const res = await post(plain.mcpUrl, initialize, bearer(access_token));
    expect(res.status, res.text).toBe(200);
    expect(seenAud).toHaveLength(1);
    expect([seenAud[0]].flat()).toContain(plain.resource);
  });
});
