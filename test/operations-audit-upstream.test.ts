/**
 * One audit trail for mcpgate and the upstream credentials: with MCP_AUTH_AUDIT_LOG, the example's setupAuth
 * (what both examples run) passes the same `jsonLinesAuditLog` to `createMcpAuth` and to
 * `createUpstreamCredentials`. Alice connects her upstream account through the device flow (approved at the
 * real dev AS), her upstream token (2 s) expires and is refreshed: the file holds upstream.connected and
 * upstream.refreshed for alice beside the request events, and none of the token bytes.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { McpAuthEvent } from '@mcpgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFor } from './helpers/stack.js';
import { connectUpstream, mcpSession, sleep, startUpstreamStack, type UpstreamStack } from './helpers/upstream.js';

const readEvents = async (file: string): Promise<McpAuthEvent[]> =>
  (await readFile(file, 'utf8').catch(() => ''))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as McpAuthEvent);

describe('MCP_AUTH_AUDIT_LOG carries the upstream credentials events too', () => {
  let stack: UpstreamStack;
  let file: string;

  beforeAll(async () => {
    file = join(await mkdtemp(join(tmpdir(), 'mcpgate-audit-')), 'audit.jsonl');
    stack = await startUpstreamStack({}, { MCP_AUTH_AUDIT_LOG: file });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('upstream.connected after the device flow, upstream.refreshed after expiry; no token bytes', async () => {
    const alice = await tokenFor(stack.as, stack.resource, 'alice');
    const session = await mcpSession(stack.mcpUrl, alice.access_token);
    const { prompt } = await connectUpstream(session, 'alice');

    const connected = (await readEvents(file)).filter((e) => e.type === 'upstream.connected');
    expect(connected).toEqual([expect.objectContaining({ type: 'upstream.connected', principal: { issuer: stack.as.issuer, subject: 'alice' } })]);

    // the upstream access token lives 2 s: a call after that refreshes it
    let refreshed: McpAuthEvent[] = [];
    const deadline = Date.now() + 15_000;
    while (refreshed.length === 0 && Date.now() < deadline) {
      await sleep(500);
      const result = await session.call('upstream_whoami');
      expect(result.isError, result.text).toBe(false);
      refreshed = (await readEvents(file)).filter((e) => e.type === 'upstream.refreshed');
    }
    expect(refreshed[0]).toMatchObject({ type: 'upstream.refreshed', principal: { issuer: stack.as.issuer, subject: 'alice' } });

    const events = await readEvents(file);
    expect(events.filter((e) => e.type === 'operation.allowed' && e.target === 'connect_upstream')).toHaveLength(1);
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(alice.access_token);
    expect(text).not.toContain(prompt.user_code);
    expect(text).not.toMatch(/eyJ[\w-]+\.eyJ/); // no JWT of any kind (the upstream tokens are sealed in the store, never logged)
  });
});
