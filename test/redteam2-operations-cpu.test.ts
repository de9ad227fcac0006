/**
 * Red team 2: c693bd5 replaced the backtracking regular expressions with an automaton, "linear", but the
 * constant is the template's length and it is paid per URI, per spelling and per rule:
 * matches() (packages/core/src/lib/uri-template.ts) visits every unit of the template for every code unit
 * of the URI (and clears the whole `next` array each time), and ScopePolicy#extra runs it for the URI as
 * sent AND normalised, against every template rule, for every distinct resources/read in a batch. A URI
 * that keeps a `{var}` run alive costs the whole 8,192 characters; a 4 MiB batch (the default body limit)
 * holds ~500 of them. All of this runs before the rate limiter (which would refuse the batch as larger
 * than the limit, 400, only afterwards) and needs nothing but a token with the global scopes.
 *
 * Measured here: one request blocks the event loop for seconds with four ordinary templates.
 *
 * Fix: bound the work per request (cap the number of distinct operations in a batch, or the total
 * characters matched), match only live states (a list of active states instead of scanning all units),
 * and match a URI once when its normalised spelling is the same string.
 */
import { describe, expect, it } from 'vitest';
import { fakeAuth, fakePrincipal } from './helpers/fake-auth.js';

const RESOURCE = 'https://mcp.example.com/mcp';

describe('red team 2: per-resource scopes under a batch of long URIs', () => {
  it('one 4 MiB batch does not block the event loop for more than 250 ms', async () => {
    const auth = fakeAuth(RESOURCE, { mallory: fakePrincipal(RESOURCE, 'mallory') }, {
      resourceScopes: {
        'file:///reports/{year}/{quarter}': ['reports:read'],
        'https://api.example.com/v1/orgs/{org}/projects/{project}/files/{+path}': ['files:read'],
        'db://customers/{id}': ['crm:read'],
        'repo://{owner}/{repo}/contents{/path*}': ['repo:read'],
      },
      rateLimit: { limit: 100, windowMs: 60_000 },
    });
    const batch: unknown[] = [];
    let bytes = 0;
    while (bytes < 4 * 1024 * 1024 - 9_000) {
      // each URI stays inside the {org} run for its whole length: every state of the long template is scanned per character
      const uri = `https://api.example.com/v1/orgs/${'a'.repeat(8_100)}${batch.length}`;
      batch.push({ jsonrpc: '2.0', id: batch.length, method: 'resources/read', params: { uri } });
      bytes += uri.length + 70;
    }
    expect(Buffer.byteLength(JSON.stringify(batch))).toBeLessThan(4 * 1024 * 1024);
    const started = performance.now();
    const outcome = await auth.authenticate({ method: 'POST', authorization: ['Bearer mallory'], body: batch }).then(
      () => 'ok',
      (error: { code?: string }) => error.code,
    );
    const elapsed = performance.now() - started;
    await auth.close();
    // refused in the end (403: files:read), but only after the matching
    expect(outcome).not.toBe('ok');
    // today: ~1.3 s on a fast core (and ~24 s with twenty such templates)
    expect(elapsed).toBeLessThan(250);
  });
});
