/**
 * The hardening issue, item by item, against the real dev authorization server, the real SDK transport
 * and a server wired like the README (with and without a body parser in front). After every hostile
 * request the server must still answer.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'node:net';
import { createMcpAuth, memoryStore } from '@mcpgate/core';
import { requireMcpAuth } from '@mcpgate/express-adapter';
import { startDevAuthorizationServer, type DevAuthorizationServer } from '@mcpgate/example-dev-authorization-server';
import { jwtValidator } from '@mcpgate/jwt-validator';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  assertAlive,
  callRaw,
  initializeBody,
  jsonHeaders,
  openSession,
  rawRequest,
  reserve,
  socketRequest,
  startReadmeServer,
  toolCall,
  type ReadmeServer,
} from './helpers/readme-server.js';
import { tokenFor } from './helpers/stack.js';

let as: DevAuthorizationServer;
const servers: Record<'parser' | 'raw', ReadmeServer> = {} as never;
const tokens: Record<'parser' | 'raw', { user: string; admin: string }> = {} as never;

beforeAll(async () => {
  vi.spyOn(console, 'warn').mockImplementation(() => undefined); // the SDK warns about the non-ASCII tool name
  const reserved = { parser: await reserve(), raw: await reserve() };
  as = await startDevAuthorizationServer({ resource: reserved.parser.url, extraResources: [reserved.raw.url] });
  for (const wiring of ['parser', 'raw'] as const) {
    const server = await startReadmeServer(as, reserved[wiring], { bodyParser: wiring === 'parser', requireMcpAuth: { bodyTimeoutMs: 700 } });
    servers[wiring] = server;
    tokens[wiring] = {
      user: (await tokenFor(as, server.url, 'alice', 'mcp:tools')).access_token,
      admin: (await tokenFor(as, server.url, 'bob', 'mcp:tools mcp:admin')).access_token,
    };
  }
});
afterAll(async () => {
  for (const server of Object.values(servers)) await server?.close();
  await as?.close();
});

const wirings = ['parser', 'raw'] as const;

describe.each(wirings)('item 1: __proto__ cannot smuggle a tool name (%s wiring)', (wiring) => {
  const proto = '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"__proto__":{"name":"admin_tool"},"arguments":{}}}';
  it.each([
    ['alone', proto],
    ['in a batch', `[${proto}]`],
    ['escaped', proto.replace('"__proto__"', '"\\u005f_proto__"')],
    ['constructor.prototype', proto.replace('"__proto__":{"name":"admin_tool"}', '"name":"whoami","constructor":{"prototype":{"name":"admin_tool"}}')],
  ])('%s → 400, the admin tool never runs', async (_, body) => {
    const server = servers[wiring];
    const session = await openSession(server.url, tokens[wiring].user);
    const before = server.ran.length;
    const answer = await callRaw(server.url, tokens[wiring].user, session, body);
    expect(answer.status).toBe(400);
    expect(server.ran.slice(before)).not.toContain('admin_tool');
    await assertAlive(server, tokens[wiring].user);
  });
});

describe.each(wirings)('item 2: a byte-order mark is read exactly as the SDK reads it (%s wiring)', (wiring) => {
  const call = '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"admin_tool","arguments":{}}}';
  const variants: Array<[string, string, Array<[string, string]>]> = [
    ['BOM', `\uFEFF${call}`, []],
    ['BOM + whitespace', `\uFEFF \n${call}`, []],
    ['BOM + batch', `\uFEFF[${call}]`, []],
    ['BOM + charset', `\uFEFF${call}`, [['content-type', 'application/json; charset=utf-8']]],
    ['BOM + escaped name', `\uFEFF${call.replace('"admin_tool"', '"\\u0061dmin_tool"')}`, []],
  ];
  it.each(variants)('%s: refused or 403 for a token without mcp:admin; runs for one with it', async (_, body, headers) => {
    const server = servers[wiring];
    const { user, admin } = tokens[wiring];
    const session = await openSession(server.url, user);
    const before = server.ran.length;
    const answer = await callRaw(server.url, user, session, body, headers);
    expect([400, 403]).toContain(answer.status);
    expect(server.ran.slice(before)).not.toContain('admin_tool');
    await assertAlive(server, user);
    if (wiring === 'raw') {
      const adminSession = await openSession(server.url, admin);
      const ok = await callRaw(server.url, admin, adminSession, body, headers);
      expect(ok.status).toBe(200);
      expect(server.ran).toContain('admin_tool');
    }
  });

  it('refuses what the two readers could see differently: invalid UTF-8, other charsets, compression', async () => {
    const server = servers[wiring];
    const session = await openSession(server.url, tokens[wiring].user);
    const invalid = Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"admin'), Buffer.from([0xff]), Buffer.from('_tool"}}')]);
    const before = server.ran.length;
    const answer = await callRaw(server.url, tokens[wiring].user, session, invalid);
    // without a parser mcpgate refuses invalid UTF-8; behind express.json() the parser's decoding is the one both sides use
    if (wiring === 'raw') expect(answer.status).toBe(400);
    expect(server.ran.slice(before)).toEqual([]);
    if (wiring === 'raw') {
      expect((await callRaw(server.url, tokens[wiring].user, session, call, [['content-type', 'application/json; charset=utf-16']])).status).toBe(415);
      expect((await callRaw(server.url, tokens[wiring].user, session, call, [['content-encoding', 'gzip']])).status).toBe(415);
    }
    await assertAlive(server, tokens[wiring].user);
  });
});

describe.each(wirings)('item 3: no request can kill the process (%s wiring)', (wiring) => {
  it.each([
    ['a non-Latin-1 tool name that needs a scope', toolCall('工具')],
    ['a control character beside a scoped tool', `[${toolCall('admin_tool', 2)},${toolCall('a\u0001b', 3)}]`],
    ['a non-Latin-1 name beside a scoped tool', `[${toolCall('admin_tool', 2)},${toolCall('名前\u2028', 3)}]`],
  ])('%s → 403 with a valid challenge, server alive', async (_, body) => {
    const server = servers[wiring];
    const session = await openSession(server.url, tokens[wiring].user);
    const answer = await callRaw(server.url, tokens[wiring].user, session, body);
    expect(answer.status).toBe(403);
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer error="insufficient_scope", scope="mcp:tools mcp:admin"/);
    await assertAlive(server, tokens[wiring].user);
  });

  it('the legitimate non-Latin-1 tool runs for a token that has the scope', async () => {
    const server = servers[wiring];
    const session = await openSession(server.url, tokens[wiring].admin);
    const answer = await callRaw(server.url, tokens[wiring].admin, session, toolCall('工具'));
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('工具');
  });
});

describe('item 8: OPTIONS is unauthenticated only as a CORS preflight', () => {
  it('answers a plain OPTIONS with 401 whether the session exists or not', async () => {
    const server = servers.raw;
    const live = await openSession(server.url, tokens.raw.user);
    const a = await rawRequest(server.url, 'OPTIONS', [['mcp-session-id', live]]);
    const b = await rawRequest(server.url, 'OPTIONS', [['mcp-session-id', 'no-such-session']]);
    expect(a.status).toBe(401);
    expect(b.status).toBe(401);
    expect(a.body).toBe(b.body);
    await assertAlive(server, tokens.raw.user);
  });

  it('passes a real preflight (Origin + Access-Control-Request-Method) through to the application', async () => {
    const answer = await rawRequest(servers.raw.url, 'OPTIONS', [
      ['origin', servers.raw.origin],
      ['access-control-request-method', 'POST'],
    ]);
    expect(answer.status).not.toBe(401);
  });
});

/** Sends the headers and part of a body, then waits for the server to answer and close. */
function partialBody(
  url: string,
  headers: Array<[string, string]>,
  declared: number,
  sent: string,
  method = 'POST',
): Promise<{ status: number; closedAfterMs: number }> {
  const target = new URL(url);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = connect(Number(target.port), target.hostname);
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer and no close after 5 s: ${text.slice(0, 80)}`));
    }, 5_000);
    socket.on('data', (d) => (text += d.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), closedAfterMs: Date.now() - started });
    });
    socket.on('error', () => undefined);
    const head = [`${method} ${target.pathname} HTTP/1.1`, `host: ${target.host}`, ...headers.map(([k, v]) => `${k}: ${v}`), `content-length: ${declared}`];
    socket.write(`${head.join('\r\n')}\r\n\r\n${sent}`);
  });
}

/** The bytes of one POST on `session` with `token`, its body made by `body` from the argument. */
function sessionRequest<A>(target: URL, session: string, token: string, body: (arg: A) => string): (arg: A) => string {
  return (arg) => {
    const text = body(arg);
    const head = [
      `POST ${target.pathname} HTTP/1.1`,
      `host: ${target.host}`,
      ...jsonHeaders(token, [['mcp-session-id', session], ['mcp-protocol-version', '2025-06-18']]).map(([k, v]) => `${k}: ${v}`),
      `content-length: ${Buffer.byteLength(text)}`,
    ];
    return `${head.join('\r\n')}\r\n\r\n${text}`;
  };
}

describe('item 9: authenticate before reading', () => {
  it('answers 401 to a slow unauthenticated body without waiting for it, and closes the connection', async () => {
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => partialBody(servers.raw.url, [['content-type', 'application/json'], ['accept', 'application/json, text/event-stream']], 4 * 1024 * 1024, '{"jsonrpc":')),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.closedAfterMs).toBeLessThan(2_000);
    }
    await assertAlive(servers.raw, tokens.raw.user);
  });

  it.each(['GET', 'DELETE', 'PUT', 'OPTIONS'])('refuses a %s that carries a body, without reading it, and closes the connection', async (method) => {
    for (const token of [undefined, tokens.raw.user]) {
      const answer = await partialBody(servers.raw.url, token === undefined ? [] : [['authorization', `Bearer ${token}`]], 2 ** 31, 'a'.repeat(1024), method);
      expect(answer.status).toBe(400);
      expect(answer.closedAfterMs).toBeLessThan(2_000);
    }
    await assertAlive(servers.raw, tokens.raw.user);
  });

  it('refuses an access_token in a DELETE form body beside a valid header, and the session stays', async () => {
    const session = await openSession(servers.raw.url, tokens.raw.user);
    const answer = await rawRequest(
      servers.raw.url,
      'DELETE',
      [['authorization', `Bearer ${tokens.raw.user}`], ['mcp-session-id', session], ['content-type', 'application/x-www-form-urlencoded']],
      `access_token=${tokens.raw.user}`,
    );
    expect(answer.status).toBe(400);
    expect((await callRaw(servers.raw.url, tokens.raw.user, session, toolCall('whoami'))).status).toBe(200);
  });

  it('answers 413 to an authenticated body declared over the limit, without reading it', async () => {
    const answer = await partialBody(servers.raw.url, jsonHeaders(tokens.raw.user), 5 * 1024 * 1024, '{');
    expect(answer.status).toBe(413);
  });

  it('reads each body whole: one in two parts, and two requests pipelined in one packet', async () => {
    const target = new URL(servers.raw.url);
    const request = sessionRequest(target, await openSession(servers.raw.url, tokens.raw.user), tokens.raw.user, (id: number) => toolCall('whoami', id));
    const socket = connect(Number(target.port), target.hostname);
    let text = '';
    socket.on('data', (d) => (text += d.toString('utf8')));
    try {
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(request(11) + request(12));
      const third = request(13);
      socket.write(third.slice(0, -20));
      await sleep(150);
      socket.write(third.slice(-20));
      for (let waited = 0; !text.includes('"id":13') && waited < 5_000; waited += 50) await sleep(50);
      expect(text.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 200']);
      expect([...text.matchAll(/"id":(\d+)/g)].map((m) => m[1])).toEqual(['11', '12', '13']);
      expect(text).not.toContain('"error"');
    } finally {
      socket.destroy();
    }
  });

  it('keeps the connection after an answer to a body it read, so requests pipelined behind it are answered', async () => {
    const target = new URL(servers.raw.url);
    const request = sessionRequest(target, await openSession(servers.raw.url, tokens.raw.user), tokens.raw.user, (body: string) => body);
    // a 403 (a tool the user's scopes do not cover) and a 400 (not JSON), each read whole, then a whoami
    for (const [first, status] of [[toolCall('admin_tool', 21), '403'], ['{"jsonrpc":', '400']] as const) {
      const socket = connect(Number(target.port), target.hostname);
      let text = '';
      socket.on('data', (d) => (text += d.toString('utf8')));
      socket.on('error', () => undefined);
      try {
        await new Promise((resolve) => socket.once('connect', resolve));
        socket.write(request(first) + request(toolCall('whoami', 22)));
        for (let waited = 0; !text.includes('"id":22') && waited < 5_000; waited += 50) await sleep(50);
        expect(text.match(/HTTP\/1\.1 \d{3}/g)).toEqual([`HTTP/1.1 ${status}`, 'HTTP/1.1 200']);
        expect(text).not.toMatch(/\r\nconnection: close\r\n/i);
      } finally {
        socket.destroy();
      }
    }
  });

  it('gives an authenticated body a time limit (408) and closes the connection', async () => {
    const answer = await partialBody(servers.raw.url, jsonHeaders(tokens.raw.user), 100, '{"jsonrpc":');
    expect(answer.status).toBe(408);
    expect(answer.closedAfterMs).toBeLessThan(3_000);
    await assertAlive(servers.raw, tokens.raw.user);
  });
});

describe('item 11: parsing exactly as documented', () => {
  it('refuses Bearer surrounded by U+00A0 (what trim() used to strip)', async () => {
    const target = new URL(servers.raw.url);
    const head = [
      `POST ${target.pathname} HTTP/1.1`,
      `host: ${target.host}`,
      'content-type: application/json',
      'accept: application/json, text/event-stream',
      `authorization: \xA0Bearer ${tokens.raw.user}\xA0`,
      `content-length: ${Buffer.byteLength(initializeBody)}`,
    ].join('\r\n');
    // an initialize would succeed (200) if the header were accepted
    const answer = await socketRequest(servers.raw.url, head, initializeBody);
    expect(answer.status).toBe(400);
    await assertAlive(servers.raw, tokens.raw.user);
  });

  it('refuses a percent-encoded access_token in the query beside a valid header', async () => {
    for (const query of ['?access%5Ftoken=x', '?%61ccess_token=x', '?a=1&access_token=']) {
      const answer = await rawRequest(`${servers.raw.url}${query}`, 'POST', jsonHeaders(tokens.raw.user), initializeBody);
      expect(answer.status, query).toBe(400);
    }
  });

  it('refuses an access_token in a form body beside a valid header', async () => {
    const answer = await rawRequest(servers.raw.url, 'POST', [...jsonHeaders(tokens.raw.user).filter(([k]) => k !== 'content-type'), ['content-type', 'application/x-www-form-urlencoded']], 'access_token=x');
    expect(answer.status).toBe(400);
    expect(answer.headers['www-authenticate']).toContain('invalid_request');
  });
});

describe('item 13: a misspelt option fails at startup', () => {
  const base = { resource: 'https://mcp.example.com/mcp', authorizationServers: ['https://as.example.com'] };
  it('createMcpAuth names the unknown key and the one meant', () => {
    const validator = jwtValidator({ issuer: 'https://as.example.com' });
    expect(() => createMcpAuth({ ...base, validator, toolScope: { admin: ['mcp:admin'] } } as never)).toThrow(/unknown option "toolScope" \(did you mean "toolScopes"\?\)/);
    expect(() => createMcpAuth({ ...base, validator, tokenCache: { maxEntry: 5 } } as never)).toThrow(/maxEntries/);
    expect(() => memoryStore({ maxEntrys: 5 } as never)).toThrow(/maxEntries/);
  });

  it('requireMcpAuth names the unknown key', () => {
    const auth = createMcpAuth({ ...base, validator: jwtValidator({ issuer: 'https://as.example.com' }) });
    expect(() => requireMcpAuth(auth, { bodyLimit: 10 } as never)).toThrow(/bodyLimitBytes/);
  });
});

describe('item 15: an SSE stream ends when the token that opened it expires', () => {
  it('closes the GET stream at exp', async () => {
    const reserved = await reserve();
    const shortAs = await startDevAuthorizationServer({ resource: reserved.url, accessTokenTtlSeconds: 2 });
    const server = await startReadmeServer(shortAs, reserved, { bodyParser: false });
    try {
      const token = (await tokenFor(shortAs, server.url, 'alice')).access_token;
      const expiresAt = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()).exp as number;
      const session = await openSession(server.url, token);
      const response = await fetch(server.url, {
        headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' },
      });
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      const ended = (async () => {
        try {
          for (;;) if ((await reader.read()).done) return Date.now();
        } catch {
          return Date.now();
        }
      })();
      const endedAt = await Promise.race([ended, sleep(8_000).then(() => Infinity)]);
      // documented: ended at exp (+ the validator's tolerance, 0 here), at most a second late, plus scheduling slack
      expect(endedAt).toBeLessThan(expiresAt * 1000 + 2_500);
      expect(endedAt).toBeGreaterThanOrEqual(expiresAt * 1000 - 1_000);
    } finally {
      await server.close();
      await shortAs.close();
    }
  });
});
