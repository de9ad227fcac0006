import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NoCredentialsError } from '@mcpgate/core';
import { setupAuth } from '../src/auth-setup.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { storeFromUri } from '../src/store-from-uri.js';

describe('the env contract', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      resource: 'http://127.0.0.1:3000/mcp',
      issuer: undefined,
      validator: 'jwt',
      introspection: { cacheTtlSeconds: 60 },
      requiredScopes: ['mcp:tools'],
      store: 'sqlite://./.data/mcpgate.sqlite',
      dpop: 'allowed',
      upstream: { scope: 'openid offline_access' },
    });
  });

  it.each(['off', 'allowed', 'required'] as const)('reads MCP_AUTH_DPOP=%s', (mode) => {
    expect(loadConfig({ MCP_AUTH_DPOP: mode }).dpop).toBe(mode);
    expect(loadConfig({ MCP_AUTH_DPOP: ` ${mode} ` }).dpop).toBe(mode);
  });

  it('takes an empty MCP_AUTH_DPOP as the default, allowed', () => {
    expect(loadConfig({ MCP_AUTH_DPOP: '' }).dpop).toBe('allowed');
  });

  it('reads every variable', () => {
    const c = loadConfig({
      HOST: '::1',
      PORT: '8080',
      MCP_AUTH_ISSUER: 'https://login.example.com',
      MCP_AUTH_VALIDATOR: 'introspection',
      MCP_AUTH_INTROSPECTION_CLIENT_ID: 'rs',
      MCP_AUTH_INTROSPECTION_CLIENT_SECRET: 's3cret',
      MCP_AUTH_INTROSPECTION_CACHE_TTL: '5',
      MCP_AUTH_REQUIRED_SCOPES: 'a  b',
      MCP_AUTH_STORE: 'memory',
      MCP_UPSTREAM_CLIENT_ID: 'dev',
      MCP_UPSTREAM_API: 'https://api.example.com/me',
    });
    expect(c.resource).toBe('http://[::1]:8080/mcp');
    expect(c.introspection).toEqual({ clientId: 'rs', clientSecret: 's3cret', cacheTtlSeconds: 5 });
    expect(c.requiredScopes).toEqual(['a', 'b']);
    expect(c.upstream.api).toBe('https://api.example.com/me');
  });

  it('reads the session limits and the tool scopes, with their defaults', () => {
    expect(loadConfig({})).toMatchObject({ sessions: { idleTimeoutSeconds: 3600, maxPerUser: 10 }, toolScopes: { admin_whoami: ['mcp:admin'] } });
    const c = loadConfig({ MCP_SESSION_IDLE_TIMEOUT: '60', MCP_MAX_SESSIONS_PER_USER: '3', MCP_AUTH_TOOL_SCOPES: '{"delete_page":["mcp:admin","mcp:write"]}' });
    expect(c.sessions).toEqual({ idleTimeoutSeconds: 60, maxPerUser: 3 });
    expect(c.toolScopes).toEqual({ delete_page: ['mcp:admin', 'mcp:write'] });
  });

  it.each([
    ['MCP_SESSION_IDLE_TIMEOUT', { MCP_SESSION_IDLE_TIMEOUT: '0' }],
    ['MCP_MAX_SESSIONS_PER_USER', { MCP_MAX_SESSIONS_PER_USER: 'many' }],
    ['MCP_AUTH_TOOL_SCOPES', { MCP_AUTH_TOOL_SCOPES: '["mcp:admin"]' }],
    ['MCP_AUTH_TOOL_SCOPES', { MCP_AUTH_TOOL_SCOPES: '{"x":"mcp:admin"}' }],
    ['MCP_AUTH_TOOL_SCOPES', { MCP_AUTH_TOOL_SCOPES: '{"x":["bad scope"]}' }],
    ['PORT', { PORT: 'eighty' }],
    ['PORT', { PORT: '70000' }],
    ['MCP_AUTH_VALIDATOR', { MCP_AUTH_VALIDATOR: 'saml' }],
    ['MCP_AUTH_INTROSPECTION_CACHE_TTL', { MCP_AUTH_INTROSPECTION_CACHE_TTL: '-1' }],
    ['MCP_AUTH_DPOP', { MCP_AUTH_DPOP: 'on' }],
    ['MCP_AUTH_DPOP', { MCP_AUTH_DPOP: 'Required' }],
    ['MCP_AUTH_DPOP', { MCP_AUTH_DPOP: 'true' }],
  ])('names %s when its value is bad', (name, env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(name));
  });
});

describe('MCP_AUTH_STORE', () => {
  it('generates a development key beside the SQLite file once, mode 0600, and says so', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcpgate-example-'));
    const first = await storeFromUri(`sqlite://${dir}/db.sqlite`, undefined);
    expect(first.notes.join('\n')).toMatch(/WARNING.*generated a DEVELOPMENT key/);
    const key = (await readFile(`${dir}/db.sqlite.key`, 'utf8')).trim();
    expect(first.encryptionKey).toBe(key);
    expect((await stat(`${dir}/db.sqlite.key`)).mode & 0o777).toBe(0o600);
    const second = await storeFromUri(`sqlite://${dir}/db.sqlite`, undefined);
    expect(second.encryptionKey).toBe(key);
    await first.store.close();
    await second.store.close();
  });

  it('uses the given key and writes no key file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcpgate-example-'));
    const chosen = await storeFromUri(`sqlite://${dir}/db.sqlite`, 'k'.repeat(43) + '=');
    expect(chosen.notes.join('\n')).not.toContain('WARNING');
    await expect(stat(`${dir}/db.sqlite.key`)).rejects.toThrow();
    await chosen.store.close();
  });

  it('refuses Redis without a key and unknown schemes', async () => {
    await expect(storeFromUri('redis://127.0.0.1:6379', undefined)).rejects.toThrow(/MCP_AUTH_ENCRYPTION_KEY/);
    await expect(storeFromUri('postgres://x', undefined)).rejects.toThrow(/MCP_AUTH_STORE must be/);
    await expect(storeFromUri('sqlite://', undefined)).rejects.toThrow(/needs a path/);
  });
});

describe('MCP_AUTH_DPOP reaches createMcpAuth (setupAuth, used by both examples)', () => {
  const issuer = 'https://login.example.com';
  const setup = (dpop?: string) => setupAuth(loadConfig({ MCP_AUTH_STORE: 'memory', MCP_AUTH_ISSUER: issuer, ...(dpop !== undefined ? { MCP_AUTH_DPOP: dpop } : {}) }), issuer);
  const challenge = (auth: Awaited<ReturnType<typeof setupAuth>>['auth']) => auth.errorResponse(new NoCredentialsError('no access token')).headers['WWW-Authenticate'];

  it('default (allowed): Bearer and DPoP challenges, the proof algorithms in the metadata, DPoP not required', async () => {
    const { auth, notes, close } = await setup();
    try {
      expect(challenge(auth)).toMatch(/^Bearer resource_metadata="[^"]+", scope="mcp:tools", DPoP algs="[^"]*ES256[^"]*"$/);
      expect(auth.metadata.dpop_signing_alg_values_supported).toContain('ES256');
      expect(auth.metadata.dpop_bound_access_tokens_required).toBeUndefined();
      expect(notes).toContain('DPoP: allowed (Bearer tokens, and DPoP-bound tokens with a proof on every request)');
    } finally {
      await close();
    }
  });

  it('required: only a DPoP challenge, dpop_bound_access_tokens_required in the metadata', async () => {
    const { auth, notes, close } = await setup('required');
    try {
      expect(challenge(auth)).toMatch(/^DPoP resource_metadata="[^"]+", scope="mcp:tools", algs="[^"]*ES256[^"]*"$/);
      expect(auth.metadata.dpop_bound_access_tokens_required).toBe(true);
      expect(notes.join('\n')).toMatch(/DPoP: required/);
    } finally {
      await close();
    }
  });

  it('off: only a Bearer challenge, no DPoP metadata', async () => {
    const { auth, notes, close } = await setup('off');
    try {
      expect(challenge(auth)).toMatch(/^Bearer resource_metadata="[^"]+", scope="mcp:tools"$/);
      expect(auth.metadata.dpop_signing_alg_values_supported).toBeUndefined();
      expect(auth.metadata.dpop_bound_access_tokens_required).toBeUndefined();
      expect(notes.join('\n')).toMatch(/DPoP: off/);
    } finally {
      await close();
    }
  });
});
