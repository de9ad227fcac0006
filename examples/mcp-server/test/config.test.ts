import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NoCredentialsError } from '@mcpgate/core';
import { setupAuth } from '../src/auth-setup.js';
import { ConfigError, loadConfig, parseRateLimit } from '../src/config.js';
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

describe('MCP_AUTH_RATE_LIMIT', () => {
  it('is off by default', () => {
    expect(loadConfig({}).rateLimit).toBeUndefined();
    expect(loadConfig({ MCP_AUTH_RATE_LIMIT: '  ' }).rateLimit).toBeUndefined();
  });

  it.each([
    ['120/60s', 120, 60_000],
    ['10/1s', 10, 1_000],
    ['1000/1h', 1000, 3_600_000],
    ['100/500ms', 100, 500],
    ['30/2m', 30, 120_000],
    [' 5/1s ', 5, 1_000],
    ['1/1ms', 1, 1],
    ['1/168h', 1, 7 * 86_400_000],
  ])('reads %j as { limit: %i, windowMs: %i }', (raw, limit, windowMs) => {
    expect(parseRateLimit(raw)).toEqual({ limit, windowMs });
    expect(loadConfig({ MCP_AUTH_RATE_LIMIT: raw }).rateLimit).toEqual({ limit, windowMs });
  });

  it.each([
    '120',
    '120/',
    '/60s',
    '120/60',
    '120/60 s',
    '120 / 60s',
    '120/60S',
    '120/60sec',
    '120/1d',
    '120/minute',
    '0/60s',
    '120/0s',
    '-1/60s',
    '1.5/60s',
    '120/1.5s',
    '1e3/60s',
    '0x10/60s',
    '120/60s/1',
    '1/169h',
    '1234567890/1s',
    'unlimited',
  ])('refuses %j with a ConfigError naming MCP_AUTH_RATE_LIMIT', (raw) => {
    expect(() => loadConfig({ MCP_AUTH_RATE_LIMIT: raw })).toThrow(ConfigError);
    expect(() => loadConfig({ MCP_AUTH_RATE_LIMIT: raw })).toThrow(/^MCP_AUTH_RATE_LIMIT must be <requests>\/<window> with a unit of ms, s, m or h/);
    expect(() => loadConfig({ MCP_AUTH_RATE_LIMIT: raw })).toThrow(JSON.stringify(raw.trim()));
  });

  it('setupAuth (both examples) says so in the startup lines; the process tests hold the 429', async () => {
    const issuer = 'https://login.example.com';
    const memory = await setupAuth(loadConfig({ MCP_AUTH_STORE: 'memory', MCP_AUTH_ISSUER: issuer, MCP_AUTH_RATE_LIMIT: '120/60s' }), issuer);
    await memory.close();
    expect(memory.notes).toContain('rate limit: 120 requests per 60 s per user, then 429 with Retry-After; counted in this process only (memory store)');
    const dir = await mkdtemp(join(tmpdir(), 'mcpgate-example-'));
    const sqlite = await setupAuth(loadConfig({ MCP_AUTH_STORE: `sqlite://${dir}/db.sqlite`, MCP_AUTH_ISSUER: issuer, MCP_AUTH_RATE_LIMIT: '1000/1h' }), issuer);
    await sqlite.close();
    expect(sqlite.notes).toContain('rate limit: 1000 requests per 1 h per user, then 429 with Retry-After; counted in the store, shared by every instance on it');
    const off = await setupAuth(loadConfig({ MCP_AUTH_STORE: 'memory', MCP_AUTH_ISSUER: issuer }), issuer);
    await off.close();
    expect(off.notes).toContain('rate limit: off (set MCP_AUTH_RATE_LIMIT, e.g. 120/60s)');
  });
});

describe('MCP_AUTH_AUDIT_LOG', () => {
  const issuer = 'https://login.example.com';

  it('is off by default', async () => {
    expect(loadConfig({}).auditLog).toBeUndefined();
    const setup = await setupAuth(loadConfig({ MCP_AUTH_STORE: 'memory', MCP_AUTH_ISSUER: issuer }), issuer);
    await setup.close();
    expect(setup.notes).toContain('audit log: off (set MCP_AUTH_AUDIT_LOG to a file, or - for standard output)');
  });

  it("appends createMcpAuth's events to the file as JSON lines (0600), closed by setup.close()", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcpgate-audit-'));
    const file = join(dir, 'audit.jsonl');
    await writeFile(file, '{"type":"earlier"}\n', { mode: 0o600 });
    const setup = await setupAuth(loadConfig({ MCP_AUTH_STORE: 'memory', MCP_AUTH_ISSUER: issuer, MCP_AUTH_AUDIT_LOG: file }), issuer);
    expect(setup.notes).toContain(`audit log: ${file} (JSON lines, appended)`);
    await expect(setup.auth.authenticate({ method: 'POST', authorization: [] })).rejects.toThrow(NoCredentialsError);
    await setup.close();
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] ?? '')).toEqual({ type: 'earlier' });
    expect(JSON.parse(lines[1] ?? '')).toMatchObject({ type: 'request.refused', outcome: 'no_credentials' });
  });

  it('creates the file readable by its owner only', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'mcpgate-audit-')), 'new.jsonl');
    const setup = await setupAuth(loadConfig({ MCP_AUTH_STORE: 'memory', MCP_AUTH_ISSUER: issuer, MCP_AUTH_AUDIT_LOG: file }), issuer);
    await setup.close();
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('refuses a path it cannot append to, naming MCP_AUTH_AUDIT_LOG', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcpgate-audit-'));
    await expect(setupAuth(loadConfig({ MCP_AUTH_STORE: 'memory', MCP_AUTH_ISSUER: issuer, MCP_AUTH_AUDIT_LOG: join(dir, 'missing', 'audit.jsonl') }), issuer)).rejects.toThrow(
      /^MCP_AUTH_AUDIT_LOG: cannot append to .*missing\/audit\.jsonl: ENOENT$/,
    );
    await expect(setupAuth(loadConfig({ MCP_AUTH_STORE: 'memory', MCP_AUTH_ISSUER: issuer, MCP_AUTH_AUDIT_LOG: dir }), issuer)).rejects.toThrow(ConfigError);
  });

  it('- writes to standard output', async () => {
    const setup = await setupAuth(loadConfig({ MCP_AUTH_STORE: 'memory', MCP_AUTH_ISSUER: issuer, MCP_AUTH_AUDIT_LOG: '-' }), issuer);
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (written.push(String(chunk)), true)) as typeof process.stdout.write;
    try {
      await expect(setup.auth.authenticate({ method: 'POST', authorization: [] })).rejects.toThrow(NoCredentialsError);
    } finally {
      process.stdout.write = write;
      await setup.close();
    }
    expect(setup.notes).toContain('audit log: standard output (JSON lines)');
    expect(written.map((w) => JSON.parse(w) as { type: string })).toEqual([expect.objectContaining({ type: 'request.refused', outcome: 'no_credentials' })]);
  });
});

describe('OpenTelemetry variables', () => {
  it('off unless OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_TRACES_EXPORTER or OTEL_METRICS_EXPORTER is set', () => {
    expect(loadConfig({}).telemetry).toBeUndefined();
    expect(loadConfig({ OTEL_SERVICE_NAME: 'x', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).telemetry).toBeUndefined();
  });

  it('reads the endpoint, the protocol (http/protobuf by default, per signal too) and the service name (default mcpgate-example)', () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }).telemetry).toEqual({
      endpoint: 'http://127.0.0.1:4318',
      protocol: { traces: 'http/protobuf', metrics: 'http/protobuf' },
      serviceName: 'mcpgate-example',
      tracesExporter: undefined,
      metricsExporter: undefined,
    });
    expect(
      loadConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/protobuf',
        OTEL_SERVICE_NAME: 'mcp-edge',
      }).telemetry,
    ).toMatchObject({ protocol: { traces: 'http/json', metrics: 'http/protobuf' }, serviceName: 'mcp-edge' });
    expect(loadConfig({ OTEL_TRACES_EXPORTER: 'console', OTEL_METRICS_EXPORTER: 'none' }).telemetry).toMatchObject({ endpoint: undefined, tracesExporter: 'console', metricsExporter: 'none' });
  });

  it.each([
    ['OTEL_EXPORTER_OTLP_PROTOCOL', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }],
    ['OTEL_EXPORTER_OTLP_PROTOCOL', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/xml' }],
    ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' }],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', { OTEL_EXPORTER_OTLP_ENDPOINT: '127.0.0.1:4318' }],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', { OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://127.0.0.1:4317' }],
    ['OTEL_TRACES_EXPORTER', { OTEL_TRACES_EXPORTER: 'jaeger' }],
    ['OTEL_METRICS_EXPORTER', { OTEL_METRICS_EXPORTER: 'console,statsd' }],
  ])('names %s when its value is bad', (name, env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^${name}`));
  });
});
