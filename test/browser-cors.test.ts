/**
 * A browser MCP client, end to end, in a real Chromium: a page served from its own loopback origin reads
 * the 401 challenge, fetches the resource and authorization server metadata, registers itself (dynamic
 * registration), signs in at the dev AS (the browser fills the login and consent forms), redeems the code,
 * initializes an MCP session and calls `whoami`, all with the browser's fetch(), so every answer it needs
 * must carry the right CORS headers: the MCP endpoint (requireMcpAuth), its metadata, and the dev AS
 * (discovery, registration, token).
 *
 * Needs Debian's chromium (`apt-get install -y chromium`; `.ci/run` installs it) and the npm package
 * playwright-core (which downloads no browser). Without the browser this test fails: it does not skip.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './helpers/stack.js';

const CHROMIUM = process.env['MCPGATE_CHROMIUM'] ?? '/usr/bin/chromium';
const PAGE = new URL('./helpers/browser-mcp-client.html', import.meta.url);

let stack: Stack;
let pageServer: Server;
let pageOrigin: string;
let userDataDir: string;
let browser: BrowserContext;

// a missing browser fails the test (it never skips): CI must run it
const MISSING_BROWSER = existsSync(CHROMIUM)
  ? undefined
  : `test/browser-cors.test.ts needs Chromium at ${CHROMIUM} (set MCPGATE_CHROMIUM to use another): ` +
    'install it with `apt-get install -y chromium` (.ci/run does this when it is missing)';

beforeAll(async () => {
  if (MISSING_BROWSER !== undefined) return;
  const html = await readFile(PAGE, 'utf8');
  stack = await startStack();
  // the page's own origin: another loopback port, so every call to the MCP server and the AS is cross-origin
  pageServer = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method !== 'GET' || (path !== '/' && path !== '/callback')) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
  });
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  pageOrigin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
  userDataDir = await mkdtemp(join(tmpdir(), 'mcpgate-chromium-'));
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 30_000,
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  pageServer?.closeAllConnections();
  await new Promise<void>((resolve) => (pageServer ? pageServer.close(() => resolve()) : resolve()));
  await stack?.close();
  if (userDataDir !== undefined) await rm(userDataDir, { recursive: true, force: true });
});

interface Step {
  step: string;
  status: number;
  [detail: string]: unknown;
}

/** Signs in as `login` and consents, in the page, at the dev AS; returns when the AS sent the browser back. */
async function signInAndConsent(page: Page, login: string): Promise<void> {
  const back = `${pageOrigin}/callback`;
  // the login page, then the consent page (both at /interaction/<uid>), then the redirect back
  for (let i = 0; i < 4 && !page.url().startsWith(back); i++) {
    if ((await page.locator('input[name="login"]').count()) > 0) await page.fill('input[name="login"]', login);
    await Promise.all([page.waitForEvent('load', { timeout: 10_000 }), page.locator('form button[type="submit"]').click()]);
  }
  expect(page.url()).toMatch(new RegExp(`^${pageOrigin}/callback\\?`));
}

describe('a browser MCP client on another origin', () => {
  it('does OAuth (discovery, registration, PKCE, token) and calls a tool, through CORS', async () => {
    if (MISSING_BROWSER !== undefined) throw new Error(MISSING_BROWSER);
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    try {
      await page.goto(`${pageOrigin}/`);
      const started = (await page.evaluate(`window.startOAuth(${JSON.stringify(stack.mcpUrl)})`)) as { authorizationUrl: string; steps: Step[] };
      const [challenge, prm, asMetadata, registration] = started.steps;

      // the 401 and its challenge are readable cross-origin
      expect(challenge).toMatchObject({ step: 'unauthenticated POST /mcp', status: 401 });
      expect(challenge?.['wwwAuthenticate']).toContain(`Bearer resource_metadata="${stack.origin}/.well-known/oauth-protected-resource/mcp", scope="mcp:tools"`);
      expect(prm).toMatchObject({ status: 200, metadata: { resource: stack.resource, authorization_servers: [stack.as.issuer] } });
      expect(asMetadata).toMatchObject({ status: 200, metadata: { issuer: stack.as.issuer } });
      // registration from the browser: preflight and POST
      expect(registration).toMatchObject({ status: 201, client: { client_id: expect.any(String), redirect_uris: [`${pageOrigin}/callback`] } });
      const clientId = (registration?.['client'] as { client_id: string }).client_id;

      // the user signs in and consents in this browser; the AS sends it back to the page, which carries on
      await page.goto(started.authorizationUrl);
      await signInAndConsent(page, 'alice');
      const result = (await page.evaluate('window.result')) as { ok: boolean; error?: string; steps: Step[]; sessionId: string; protocolVersion: string; whoami: unknown; clientId: string };
      expect(result.error).toBeUndefined();
      expect(result.ok).toBe(true);

      const byName = Object.fromEntries(result.steps.map((s) => [s.step, s]));
      expect(byName['token request']).toMatchObject({ status: 200, tokens: { token_type: 'Bearer', access_token: expect.any(String), scope: 'mcp:tools' } });
      expect(byName['initialize']).toMatchObject({ status: 200, sessionId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      expect(byName['notifications/initialized']).toMatchObject({ status: 202 });
      expect(byName['tools/call whoami']).toMatchObject({ status: 200 });
      expect(result.protocolVersion).toBe('2025-06-18');
      expect(result.whoami).toEqual({ subject: 'alice', clientId, scopes: ['mcp:tools'] });
      expect(result.clientId).toBe(clientId);
      // the session the browser read is the live one on the server
      expect(stack.example.liveSessions()).toBe(1);
      // the browser blocked nothing (the expected 401 and favicon 404s are logged as errors too)
      expect(consoleErrors.filter((message) => /CORS|Access-Control|blocked/i.test(message))).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);
});
