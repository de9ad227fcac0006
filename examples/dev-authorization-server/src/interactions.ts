import type { DevUser, KoaMiddleware, OidcProvider } from './types.js';
import { escapeHtml, hiddenInput, page } from './html.js';

const INTERACTION_PATH = /^\/interaction\/([A-Za-z0-9_-]+)$/;

async function readForm(req: AsyncIterable<Buffer>): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) break;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function loginPage(uid: string, error?: string): string {
  return page(
    'Sign-in',
    `${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}`
      + `<form method="post" action="/interaction/${uid}">${hiddenInput('prompt', 'login')}`
      + '<input required type="text" name="login" placeholder="user id (e.g. alice)" autofocus/>'
      + '<button type="submit">Sign-in</button></form>',
  );
}

function consentPage(uid: string, clientId: string, scopes: string[]): string {
  return page(
    'Authorize',
    `<p>Client <code>${escapeHtml(clientId)}</code> asks for: ${scopes.map((s) => `<code>${escapeHtml(s)}</code>`).join(' ')}</p>`
      + `<form method="post" action="/interaction/${uid}">${hiddenInput('prompt', 'consent')}`
      + '<button type="submit">Allow</button></form>',
  );
}

export function createInteractionsMiddleware(provider: OidcProvider, users: Record<string, DevUser>): KoaMiddleware {
  return async (ctx, next) => {
    const match = INTERACTION_PATH.exec(ctx.path);
    if (!match || (ctx.method !== 'GET' && ctx.method !== 'POST')) return next();
    const uid = match[1] as string;
    ctx.set('cache-control', 'no-store');
    let details: any;
    try {
      details = await provider.interactionDetails(ctx.req, ctx.res);
    } catch {
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = page('Error', '<p>Unknown or expired interaction.</p>');
      return;
    }
    const { prompt, params, session, grantId } = details;

    if (ctx.method === 'GET') {
      ctx.type = 'html';
      ctx.body = prompt.name === 'login'
        ? loginPage(uid)
        : consentPage(uid, String(params.client_id), String(params.scope ?? '').split(' ').filter(Boolean));
      return;
    }

    const form = await readForm(ctx.req);
    let result: Record<string, unknown>;
    let merge = false;
    if (prompt.name === 'login' && form.get('prompt') === 'login') {
      const login = form.get('login') ?? '';
      if (!Object.hasOwn(users, login)) {
        ctx.status = 400;
        ctx.type = 'html';
        ctx.body = loginPage(uid, 'Unknown user.');
        return;
      }
      result = { login: { accountId: login } };
    } else if (prompt.name === 'consent' && form.get('prompt') === 'consent') {
      const grant = grantId
        ? await provider.Grant.find(grantId)
        : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
      const missing = prompt.details ?? {};
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      if (missing.missingResourceScopes) {
        for (const [indicator, scope] of Object.entries(missing.missingResourceScopes as Record<string, string[]>)) {
          grant.addResourceScope(indicator, scope.join(' '));
        }
      }
      result = { consent: { grantId: await grant.save() } };
      merge = true;
    } else {
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = page('Error', '<p>Unexpected form submission.</p>');
      return;
    }
    const redirectTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
    ctx.redirect(redirectTo);
    ctx.status = 303;
  };
}
