import type { KoaMiddleware } from './types.js';

/** A `Access-Control-Request-Headers` value that is a plain list of header names. */
const HEADER_LIST = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:\s*,\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*$/;

/**
 * CORS for dynamic client registration (`POST /reg`), so a browser MCP client can register itself.
 * oidc-provider answers CORS on its discovery, JWKS, token, userinfo, revocation and introspection routes
 * (the last four per client, through `clientBasedCORS`), but gives the registration route none at all: no
 * `OPTIONS /reg` route, so the preflight a JSON POST needs fails, and no `Access-Control-Allow-Origin` on the
 * answer. This answers the preflight from any origin and marks the registration answer (success or error)
 * readable by it. No credentials are involved (no cookies, no `Allow-Credentials`): registration is open anyway.
 */
export function createRegistrationCorsMiddleware(registrationPath = '/reg'): KoaMiddleware {
  return async (ctx, next) => {
    const origin: string | undefined = ctx.get('Origin') || undefined;
    if (ctx.path !== registrationPath || origin === undefined) return next();
    ctx.vary('Origin');
    if (ctx.method === 'OPTIONS' && ctx.get('Access-Control-Request-Method')) {
      const requested: string = ctx.get('Access-Control-Request-Headers');
      ctx.set({
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Methods': 'POST',
        'Access-Control-Allow-Headers': HEADER_LIST.test(requested) ? requested : 'Content-Type',
        'Access-Control-Max-Age': '3600',
      });
      ctx.status = 204;
      return;
    }
    if (ctx.method === 'POST') ctx.set('Access-Control-Allow-Origin', origin);
    return next();
  };
}
