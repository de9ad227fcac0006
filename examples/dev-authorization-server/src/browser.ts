import { DevAuthorizationServerError } from './errors.js';

const MAX_STEPS = 20;

interface ParsedForm {
  action: string;
  method: string;
  fields: Map<string, string>;
}

function decodeEntities(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  if (!match) return undefined;
  return decodeEntities(match[1] ?? match[2] ?? match[3] ?? '');
}

function parseForm(html: string): ParsedForm | undefined {
  const formMatch = /<form\b[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!formMatch) return undefined;
  const openTag = /<form\b[^>]*>/i.exec(formMatch[0])?.[0] ?? '';
  const fields = new Map<string, string>();
  for (const input of formMatch[1]?.match(/<input\b[^>]*>/gi) ?? []) {
    const name = attribute(input, 'name');
    if (name) fields.set(name, attribute(input, 'value') ?? '');
  }
  return {
    action: attribute(openTag, 'action') ?? '',
    method: (attribute(openTag, 'method') ?? 'get').toLowerCase(),
    fields,
  };
}

class CookieJar {
  readonly #cookies = new Map<string, string>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const index = pair.indexOf('=');
      if (index <= 0) continue;
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const expired = attributes.some((attr) => {
        const [key = '', val = ''] = attr.split('=').map((part) => part.trim());
        if (key.toLowerCase() === 'max-age') return Number(val) <= 0;
        if (key.toLowerCase() === 'expires') return Date.parse(val) <= Date.now();
        return false;
      });
      if (expired || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

function pageText(html: string): string {
  return html.replace(/<style[\s\S]*?<\/style>/gi, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 300);
}

type Step = { kind: 'redirect'; url: URL } | { kind: 'page'; url: URL; html: string };

async function request(jar: CookieJar, url: URL, init: { method: string; body?: URLSearchParams }): Promise<Step> {
  const headers: Record<string, string> = { accept: 'text/html' };
  const cookie = jar.header();
  if (cookie) headers.cookie = cookie;
  const response = await fetch(url, { method: init.method, headers, body: init.body, redirect: 'manual' });
  jar.store(response);
  const location = response.headers.get('location');
  if (response.status >= 300 && response.status < 400 && location) {
    await response.body?.cancel();
    return { kind: 'redirect', url: new URL(location, url) };
  }
  const html = await response.text();
  if (response.status >= 400) {
    throw new DevAuthorizationServerError(
      'DEV_AS_BROWSER_HTTP_ERROR',
      `HTTP ${response.status} at ${url.origin}${url.pathname}: ${pageText(html)}`,
    );
  }
  return { kind: 'page', url, html };
}

function fill(form: ParsedForm, login: string): URLSearchParams {
  const body = new URLSearchParams();
  for (const [name, value] of form.fields) body.set(name, value);
  if (form.fields.has('login')) body.set('login', login);
  if (form.fields.has('password')) body.set('password', 'dev');
  return body;
}

async function walk(start: URL, login: string, stopAt: (url: URL) => boolean): Promise<Step> {
  const jar = new CookieJar();
  let step = await request(jar, start, { method: 'GET' });
  for (let i = 0; i < MAX_STEPS; i += 1) {
    if (step.kind === 'redirect') {
      if (stopAt(step.url)) return step;
      step = await request(jar, step.url, { method: 'GET' });
      continue;
    }
    if (step.html.includes('data-result="error"')) {
      throw new DevAuthorizationServerError('DEV_AS_BROWSER_HTTP_ERROR', `error page at ${step.url.pathname}: ${pageText(step.html)}`);
    }
    const form = parseForm(step.html);
    if (!form) return step;
    const action = new URL(form.action || step.url.href, step.url);
    if (form.method === 'post') {
      step = await request(jar, action, { method: 'POST', body: fill(form, login) });
    } else {
      for (const [name, value] of fill(form, login)) action.searchParams.set(name, value);
      step = await request(jar, action, { method: 'GET' });
    }
  }
  throw new DevAuthorizationServerError('DEV_AS_BROWSER_TOO_MANY_STEPS', `no result after ${MAX_STEPS} steps`);
}

/**
 * Does what a user does in the browser for an authorization request: opens the authorization URL, signs in as
 * `options.login` (a user id such as `alice`), approves the consent page and stops at the redirect to the
 * client's `redirect_uri`.
 *
 * @returns the redirect URL (carries `code`, `state` and `iss`, or `error` when the AS refused the request).
 */
export async function authorizeInBrowser(authorizationUrl: URL | string, options: { login: string }): Promise<URL> {
  const start = new URL(authorizationUrl);
  const origin = start.origin;
  const step = await walk(start, options.login, (url) => url.origin !== origin);
  if (step.kind === 'redirect') return step.url;
  throw new DevAuthorizationServerError(
    'DEV_AS_BROWSER_NO_FORM',
    `authorization stopped at ${step.url.origin}${step.url.pathname}: ${pageText(step.html)}`,
  );
}

/**
 * Approves a device authorization request (RFC 8628) the way a user would: opens `verification_uri_complete`,
 * confirms the code, signs in as `options.login` and consents.
 */
export async function approveDeviceCode(verificationUriComplete: string, options: { login: string }): Promise<void> {
  const start = new URL(verificationUriComplete);
  const origin = start.origin;
  const step = await walk(start, options.login, (url) => url.origin !== origin);
  if (step.kind === 'page' && step.html.includes('data-result="device-approved"')) return;
  throw new DevAuthorizationServerError(
    'DEV_AS_DEVICE_NOT_APPROVED',
    step.kind === 'page' ? `device flow ended at: ${pageText(step.html)}` : 'device flow left the authorization server',
  );
}
