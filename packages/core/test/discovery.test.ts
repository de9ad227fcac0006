import { describe, expect, it } from 'vitest';
import { cachedDiscovery, discoverAuthorizationServer, type DiscoveryFetch } from '../src/internal.js';

const ISSUER = 'https://as.example.com';
const RFC8414 = `${ISSUER}/.well-known/oauth-authorization-server`;
const OPENID = `${ISSUER}/.well-known/openid-configuration`;

/** A fetch answering from `routes` (404 otherwise), counting calls per URL. */
function fakeFetch(routes: Record<string, () => Response | Promise<Response>>): DiscoveryFetch & { calls: string[] } {
  const calls: string[] = [];
  const fetch = (async (url: string): Promise<Response> => {
    calls.push(url);
    const route = routes[url];
    return route === undefined ? new Response('not found', { status: 404 }) : route();
  }) as unknown as DiscoveryFetch & { calls: string[] };
  fetch.calls = calls;
  return fetch;
}

const doc = (extra: Record<string, unknown> = {}) => () => Response.json({ issuer: ISSUER, token_endpoint: `${ISSUER}/token`, ...extra });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('discoverAuthorizationServer', () => {
  it('passes over a document lacking a required member and takes the next location', async () => {
    const fetch = fakeFetch({ [RFC8414]: doc(), [OPENID]: doc({ jwks_uri: `${ISSUER}/jwks` }) });
    const metadata = await discoverAuthorizationServer(ISSUER, { fetch, requires: ['jwks_uri'] });
    expect(metadata['jwks_uri']).toBe(`${ISSUER}/jwks`);
    expect(fetch.calls).toEqual([RFC8414, OPENID]);
  });

  it('passes over a document naming another issuer, and says why when none is usable', async () => {
    const fetch = fakeFetch({ [RFC8414]: () => Response.json({ issuer: 'https://evil.example' }) });
    await expect(discoverAuthorizationServer(ISSUER, { fetch })).rejects.toMatchObject({
      code: 'ERR_UNAVAILABLE',
      dependency: 'discovery',
      message: expect.stringMatching(/names issuer "https:\/\/evil\.example", expected exactly "https:\/\/as\.example\.com".*HTTP 404/),
    });
  });

  it('stops at a network failure (every location is on the same host) and at a timeout', async () => {
    const down = fakeFetch({ [RFC8414]: () => Promise.reject(new TypeError('fetch failed')) });
    await expect(discoverAuthorizationServer(ISSUER, { fetch: down })).rejects.toMatchObject({ dependency: 'discovery', message: expect.stringMatching(/failed/) });
    expect(down.calls).toEqual([RFC8414]);
    const hanging = fakeFetch({ [RFC8414]: () => new Promise<Response>(() => undefined) });
    await expect(discoverAuthorizationServer(ISSUER, { fetch: hanging, timeoutMs: 50 })).rejects.toMatchObject({
      message: expect.stringMatching(/timed out after 50 ms/),
    });
  });

  it('never follows redirects', async () => {
    let redirect: RequestInit['redirect'];
    const fetch: DiscoveryFetch = async (_url, init) => {
      redirect = init.redirect;
      return doc()();
    };
    await discoverAuthorizationServer(ISSUER, { fetch });
    expect(redirect).toBe('manual');
  });
});

describe('cachedDiscovery', () => {
  it('shares one discovery among concurrent callers and reuses it within the TTL', async () => {
    const fetch = fakeFetch({ [RFC8414]: doc() });
    const metadata = cachedDiscovery(ISSUER, { fetch });
    await Promise.all(Array.from({ length: 10 }, () => metadata()));
    await metadata();
    expect(fetch.calls).toEqual([RFC8414]);
  });

  it('bridges an outage (5xx) with the last good document, and waits before asking again', async () => {
    let status = 200;
    const fetch = fakeFetch({ [RFC8414]: () => (status === 200 ? doc()() : new Response('down', { status })) });
    const metadata = cachedDiscovery(ISSUER, { fetch, cacheTtlMs: 30 });
    await metadata();
    status = 503;
    await sleep(40);
    await expect(metadata()).resolves.toMatchObject({ issuer: ISSUER });
    const asked = fetch.calls.length;
    await expect(metadata()).resolves.toMatchObject({ issuer: ISSUER });
    expect(fetch.calls.length).toBe(asked); // within the backoff: not asked again
  });

  it('serves no stale document once the issuer answers with a wrong one, and asks again at the next call', async () => {
    let issuer = ISSUER;
    const fetch = fakeFetch({ [RFC8414]: () => Response.json({ issuer }) });
    const metadata = cachedDiscovery(ISSUER, { fetch, cacheTtlMs: 20 });
    await metadata();
    issuer = 'https://evil.example';
    await sleep(30);
    await expect(metadata()).rejects.toMatchObject({ dependency: 'discovery' });
    issuer = ISSUER;
    await expect(metadata()).resolves.toMatchObject({ issuer: ISSUER });
  });

  it('with no document to bridge an outage with, asks again at the next call (recovers as soon as the issuer is back)', async () => {
    let up = false;
    const fetch = fakeFetch({ [RFC8414]: () => (up ? doc()() : Promise.reject(new TypeError('fetch failed'))) });
    const metadata = cachedDiscovery(ISSUER, { fetch });
    await expect(metadata()).rejects.toMatchObject({ dependency: 'discovery' });
    up = true;
    await expect(metadata()).resolves.toMatchObject({ issuer: ISSUER });
    expect(fetch.calls).toEqual([RFC8414, RFC8414]);
  });
});
