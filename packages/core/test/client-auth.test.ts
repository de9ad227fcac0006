import { describe, expect, it } from 'vitest';
import { basicAuthorization, formUrlEncode } from '../src/internal.js';

describe('client_secret_basic (RFC 6749 §2.3.1)', () => {
  it('form-encodes id and secret before Base64, !\'()~ included (one encoder for upstream and introspection)', () => {
    expect(formUrlEncode("a b!'()~*-._:é")).toBe('a+b%21%27%28%29%7E*-._%3A%C3%A9');
    const header = basicAuthorization('my client', "s!'()~:x");
    expect(Buffer.from(header.slice('Basic '.length), 'base64').toString()).toBe('my+client:s%21%27%28%29%7E%3Ax');
  });
});
