import { describe, expect, it } from 'vitest';
import { createMcpAuth } from '../src/create-mcp-auth.js';
import { Sealer, generateEncryptionKey } from '../src/encryption.js';
import { memoryStore } from '../src/memory-store.js';

const k1 = generateEncryptionKey();
const k2 = generateEncryptionKey();

describe('Sealer', () => {
  it('round-trips JSON and never stores it in clear', () => {
    const sealer = new Sealer(k1);
    const sealed = sealer.seal({ accessToken: 'secret-token-value', n: 1 }, 'vault:alice');
    expect(JSON.stringify(sealed)).not.toContain('secret-token-value');
    expect(sealer.open(sealed, 'vault:alice')).toEqual({ accessToken: 'secret-token-value', n: 1 });
  });

  it('binds a value to its store key', () => {
    const sealer = new Sealer(k1);
    const sealed = sealer.seal('x', 'vault:alice');
    expect(() => sealer.open(sealed, 'vault:bob')).toThrow(expect.objectContaining({ code: 'ERR_DECRYPTION' }));
  });

  it('detects tampering', () => {
    const sealer = new Sealer(k1);
    const sealed = sealer.seal('hello', 'a');
    const ct = Buffer.from(sealed.ct, 'base64url');
    ct[0] = (ct[0] as number) ^ 1;
    expect(() => sealer.open({ ...sealed, ct: ct.toString('base64url') }, 'a')).toThrow(/authentication/);
  });

  it('rotates: the new key seals, the old key still opens', () => {
    const old = new Sealer({ id: 'old', key: k1 });
    const sealedOld = old.seal('v', 'a');
    const rotated = new Sealer([{ id: 'new', key: k2 }, { id: 'old', key: k1 }]);
    expect(rotated.open(sealedOld, 'a')).toBe('v');
    expect(rotated.needsReseal(sealedOld)).toBe(true);
    const sealedNew = rotated.seal('v', 'a');
    expect(sealedNew.kid).toBe('new');
    expect(() => old.open(sealedNew, 'a')).toThrow(/no key with id new/);
  });

  it('refuses keys that are not 32 bytes of base64, naming the option', () => {
    expect(() => new Sealer('short')).toThrow(/encryptionKey must be 32 bytes/);
    expect(() => new Sealer([k1, 'nope'])).toThrow(/encryptionKey\[1\]/);
    expect(() => new Sealer([{ id: 'a', key: k1 }, { id: 'a', key: k2 }])).toThrow(/share one id/);
  });

  it('derives stable HMAC lookup keys that do not reveal the secret', () => {
    const a = new Sealer(k1);
    expect(a.lookupKey('session-1')).toBe(new Sealer(k1).lookupKey('session-1'));
    expect(a.lookupKey('session-1')).not.toBe(new Sealer(k2).lookupKey('session-1'));
    expect(a.lookupKey('session-1')).not.toContain('session-1');
  });
});

describe('createMcpAuth and persistent stores', () => {
  it('refuses a persistent store without an encryption key', () => {
    const persistent = { ...memoryStore(), kind: 'disk', persistent: true };
    const options = {
      resource: 'https://h/mcp',
      authorizationServers: ['https://as'],
      validator: { kind: 'x', validate: async () => Promise.reject(new Error('unused')) },
      store: persistent,
    };
    expect(() => createMcpAuth(options)).toThrow(/encryptionKey is required with the persistent disk store/);
    expect(createMcpAuth({ ...options, encryptionKey: k1 }).sealer).toBeDefined();
  });
});
