import { describe, expect, it } from 'vitest';
import { introspectionValidator } from '../src/index.js';
import { ENDPOINT, RESOURCE, activeClaims, baseOptions, fakeFetch, json } from './helpers.js';

const clientId = 'my client:1';
const clientSecret = 'p@ss:w/rd+%é~*';
const TOKEN = 'opaque-token.value~1';

describe('the introspection request', () => {
  it('POSTs the token with client_secret_basic by default, form-encoding id and secret (RFC 6749 §2.3.1)', async () => {
    const { fetch, calls } = fakeFetch(() => json(activeClaims()));
    await introspectionValidator({ ...baseOptions, clientId, clientSecret, fetch }).validate(TOKEN, { resource: RESOURCE });
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call?.url).toBe(ENDPOINT);
    expect(call?.headers.get('accept')).toBe('application/json');
    expect(call?.headers.get('content-type')).toMatch(/^application\/x-www-form-urlencoded/);
    const basic = call?.headers.get('authorization') ?? '';
    expect(basic).toMatch(/^Basic /);
    const decoded = Buffer.from(basic.slice(6), 'base64').toString('utf8');
    expect(decoded).toBe('my+client%3A1:p%40ss%3Aw%2Frd%2B%25%C3%A9%7E*');
    const [id, secret] = decoded.split(':').map((part) => decodeURIComponent(part.replaceAll('+', ' ')));
    expect([id, secret]).toEqual([clientId, clientSecret]);
    expect(Object.fromEntries(call?.body ?? [])).toEqual({ token: TOKEN, token_type_hint: 'access_token' });
  });

  it('sends client_id and client_secret in the body with client_secret_post', async () => {
    const { fetch, calls } = fakeFetch(() => json(activeClaims()));
    await introspectionValidator({ ...baseOptions, clientId, clientSecret, clientAuthMethod: 'client_secret_post', fetch }).validate(TOKEN, {
      resource: RESOURCE,
    });
    const [call] = calls;
    expect(call?.headers.has('authorization')).toBe(false);
    expect(Object.fromEntries(call?.body ?? [])).toEqual({
      token: TOKEN,
      token_type_hint: 'access_token',
      client_id: clientId,
      client_secret: clientSecret,
    });
  });
});
