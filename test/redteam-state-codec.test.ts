/**
 * Red team: AES-256-GCM tags are not length-checked. `createDecipheriv('aes-256-gcm', key, iv)` without
 * `authTagLength` accepts a tag of 4, 8 or 12..16 bytes, and neither `Sealer.open` nor the state codec
 * checks the length. So:
 * - every sealed state has 12 valid spellings (its tag cut to any of those lengths): the codec's "canonical
 *   base64url only: one string per state" does not hold, and anything keyed by the state string (a
 *   used-once list, a cache) is bypassed;
 * - the integrity bound of every sealed value (states, session bindings, introspection verdicts, upstream
 *   token sets) drops from 2^-128 to 2^-32 per forgery attempt, and short-tag GCM is the setting of
 *   Ferguson's authentication-key recovery.
 * Fix: `createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 })` and refuse any tag (and iv) of the
 * wrong length before deciphering.
 */
import { createSealer, createStateCodec, generateEncryptionKey } from '@mcpgate/core';
import { describe, expect, it } from 'vitest';

const owner = { issuer: 'https://as.example.com', subject: 'alice' };

describe('red team: truncated GCM tags', () => {
  it('a state whose tag was cut short does not open', () => {
    const codec = createStateCodec({ sealer: createSealer(generateEncryptionKey()) });
    const state = codec.seal({ draft: 42 }, owner, { purpose: 'drafts' });
    const parts = state.split('.');
    const tag = Buffer.from(parts.at(-1) as string, 'base64url');
    expect(tag.length).toBe(16);
    const opened: number[] = [];
    for (const length of [4, 8, 12, 13, 14, 15]) {
      const truncated = [...parts.slice(0, -1), tag.subarray(0, length).toString('base64url')].join('.');
      expect(truncated).not.toBe(state);
      try {
        codec.open(truncated, owner, { purpose: 'drafts' });
        opened.push(length);
      } catch {
        // refused, as it should be
      }
    }
    // today: every one of them opens to { draft: 42 }
    expect(opened).toEqual([]);
  });

  it('a sealed store value (session binding, verdict, upstream tokens) with a 4-byte tag does not open', () => {
    const sealer = createSealer(generateEncryptionKey());
    const sealed = sealer.seal({ iss: 'https://as.example.com', sub: 'alice', at: Date.now() }, 'session:abc');
    const short = { ...sealed, tag: Buffer.from(sealed.tag, 'base64url').subarray(0, 4).toString('base64url') };
    expect(() => sealer.open(short, 'session:abc')).toThrow();
  });
});
