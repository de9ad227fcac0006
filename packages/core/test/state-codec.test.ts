import { describe, expect, it, vi } from 'vitest';
import { createSealer, generateEncryptionKey } from '../src/encryption.js';
import { createStateCodec } from '../src/state-codec.js';

const alice = { issuer: 'https://as.example', subject: 'alice' };
const bob = { issuer: 'https://as.example', subject: 'bob' };
const refused = (reason: string) => expect.objectContaining({ code: 'ERR_INVALID_STATE', reason });

describe('createStateCodec', () => {
  const key = generateEncryptionKey();
  const states = createStateCodec({ sealer: createSealer(key) });

  it('round-trips a value for its owner and purpose, and hides it from the client', () => {
    const state = states.seal({ draft: 42, note: 'secret-note' }, alice, { purpose: 'drafts' });
    expect(state).toMatch(/^s1\.[\w.-]+\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(Buffer.from(state.split('.')[3] ?? '', 'base64url').toString('latin1')).not.toContain('secret-note');
    expect(states.open(state, alice, { purpose: 'drafts' })).toEqual({ draft: 42, note: 'secret-note' });
  });

  it('refuses another principal, another issuer, another purpose', () => {
    const state = states.seal('x', alice, { purpose: 'drafts' });
    expect(() => states.open(state, bob, { purpose: 'drafts' })).toThrow(refused('invalid'));
    expect(() => states.open(state, { issuer: 'https://other.example', subject: 'alice' }, { purpose: 'drafts' })).toThrow(refused('invalid'));
    expect(() => states.open(state, alice, { purpose: 'payments' })).toThrow(refused('invalid'));
    expect(() => states.open(state, alice)).toThrow(refused('invalid'));
  });

  it('refuses a state past its expiry', () => {
    vi.useFakeTimers();
    try {
      const state = states.seal('x', alice, { ttlSeconds: 60 });
      vi.advanceTimersByTime(59_000);
      expect(states.open(state, alice)).toBe('x');
      vi.advanceTimersByTime(2_000);
      expect(() => states.open(state, alice)).toThrow(refused('expired'));
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses every altered byte, and junk', () => {
    const state = states.seal({ n: 1 }, alice);
    for (let i = 0; i < state.length; i++) {
      const c = state[i] === 'A' ? 'B' : 'A';
      const altered = state.slice(0, i) + c + state.slice(i + 1);
      if (altered === state) continue;
      expect(() => states.open(altered, alice)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATE' }));
    }
    for (const junk of ['', 's1', 's1.a.b.c', 'v1.k.i.c.t', 's1.k.i.c.t!', 'x'.repeat(70_000)]) {
      expect(() => states.open(junk, alice)).toThrow(refused('malformed'));
    }
    expect(() => states.open(42 as never, alice)).toThrow(refused('malformed'));
  });

  it('opens states sealed before a key rotation (new key first, old kept), and not after the old key is dropped', () => {
    const old = states.seal('kept', alice);
    const newKey = generateEncryptionKey();
    expect(createStateCodec({ sealer: createSealer([newKey, key]) }).open(old, alice)).toBe('kept');
    expect(() => createStateCodec({ sealer: createSealer([newKey]) }).open(old, alice)).toThrow(refused('invalid'));
  });

  it('checks its options', () => {
    expect(() => createStateCodec({ sealer: undefined as never })).toThrow(/sealer/);
    expect(() => createStateCodec({ sealer: createSealer(key), ttl: 5 } as never)).toThrow(/did you mean "ttlSeconds"/);
    expect(() => states.seal('x', { issuer: 'i', subject: '' })).toThrow(TypeError);
  });
});
