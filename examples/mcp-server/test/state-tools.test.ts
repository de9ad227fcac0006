import { createSealer, createStateCodec, generateEncryptionKey } from '@mcpgate/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createStateTools, HANDLE_PURPOSE, MAX_REMEMBERED_BYTES, type StateToolResult } from '../src/state-tools.js';

const alice = { issuer: 'https://login.example.com', subject: 'alice' };
const bob = { issuer: 'https://login.example.com', subject: 'bob' };
const aliceElsewhere = { issuer: 'https://other.example.com', subject: 'alice' };
const SECRET = 'the launch code is 0000';

const textOf = (result: StateToolResult): string => result.content.map((c) => c.text).join('');

function handleFor(tools: ReturnType<typeof createStateTools>, value = SECRET, owner = alice): string {
  const result = tools.remember({ value }, owner);
  expect(result.isError).toBeUndefined();
  return textOf(result);
}

/** A refusal: an error result that does not carry the remembered value. */
function expectRefused(result: StateToolResult, says: RegExp): void {
  expect(result.isError).toBe(true);
  expect(textOf(result)).toMatch(says);
  expect(textOf(result)).not.toContain(SECRET);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('remember / recall (framework-neutral logic)', () => {
  const sealer = createSealer(generateEncryptionKey());

  it('gives the value back to the user it was remembered for, and the handle does not show it', () => {
    const tools = createStateTools({ sealer });
    const handle = handleFor(tools);
    expect(handle).not.toContain(SECRET);
    expect(handle).not.toContain(Buffer.from(SECRET).toString('base64url').slice(0, 12));
    expect(tools.recall({ handle }, alice)).toEqual({ content: [{ type: 'text', text: SECRET }] });
    // any instance holding the same key ring opens it (several processes behind one store)
    expect(textOf(createStateTools({ sealer }).recall({ handle }, alice))).toBe(SECRET);
  });

  it('refuses another user, and the same subject at another issuer', () => {
    const tools = createStateTools({ sealer });
    const handle = handleFor(tools);
    expectRefused(tools.recall({ handle }, bob), /not valid for you/);
    expectRefused(tools.recall({ handle }, aliceElsewhere), /not valid for you/);
  });

  it('refuses an altered handle, whichever part was changed', () => {
    const tools = createStateTools({ sealer });
    const handle = handleFor(tools);
    const parts = handle.split('.');
    for (let i = 1; i < parts.length; i++) {
      const part = parts[i] as string;
      const flipped = (part[0] === 'A' ? 'B' : 'A') + part.slice(1);
      const altered = [...parts.slice(0, i), flipped, ...parts.slice(i + 1)].join('.');
      expect(altered).not.toBe(handle);
      expectRefused(tools.recall({ handle: altered }, alice), /not valid for you|not a handle/);
    }
    expectRefused(tools.recall({ handle: `${handle}x` }, alice), /not valid for you|not a handle/);
    expectRefused(tools.recall({ handle: 'hello' }, alice), /not a handle returned by remember/);
    expectRefused(tools.recall({ handle: 42 }, alice), /not a handle returned by remember/);
    expectRefused(tools.recall({}, alice), /not a handle returned by remember/);
  });

  it('refuses a handle after its lifetime, and keeps it before', () => {
    vi.useFakeTimers({ now: new Date('2026-08-01T12:00:00Z'), toFake: ['Date'] });
    const tools = createStateTools({ sealer, ttlSeconds: 60 });
    const handle = handleFor(tools);
    vi.setSystemTime(new Date('2026-08-01T12:00:59Z'));
    expect(textOf(tools.recall({ handle }, alice))).toBe(SECRET);
    vi.setSystemTime(new Date('2026-08-01T12:01:01Z'));
    expectRefused(tools.recall({ handle }, alice), /expired/);
  });

  it('keeps handles one hour by default', () => {
    vi.useFakeTimers({ now: new Date('2026-08-01T12:00:00Z'), toFake: ['Date'] });
    const tools = createStateTools({ sealer });
    const handle = handleFor(tools);
    vi.setSystemTime(new Date('2026-08-01T12:59:58Z'));
    expect(textOf(tools.recall({ handle }, alice))).toBe(SECRET);
    vi.setSystemTime(new Date('2026-08-01T13:00:01Z'));
    expectRefused(tools.recall({ handle }, alice), /expired/);
  });

  it('refuses a handle sealed with another key, or for another purpose with the same key', () => {
    const tools = createStateTools({ sealer });
    const foreign = handleFor(createStateTools({ sealer: createSealer(generateEncryptionKey()) }));
    expectRefused(tools.recall({ handle: foreign }, alice), /not valid for you/);
    const otherPurpose = createStateCodec({ sealer }).seal(SECRET, alice, { purpose: 'drafts' });
    expectRefused(tools.recall({ handle: otherPurpose }, alice), /not valid for you/);
    // the purpose is what the tools seal with
    const same = createStateCodec({ sealer }).seal('via the codec', alice, { purpose: HANDLE_PURPOSE });
    expect(textOf(tools.recall({ handle: same }, alice))).toBe('via the codec');
  });

  it('without a sealer, uses one key for the whole process', () => {
    const handle = handleFor(createStateTools());
    expect(textOf(createStateTools().recall({ handle }, alice))).toBe(SECRET);
    expectRefused(createStateTools({ sealer }).recall({ handle }, alice), /not valid for you/);
  });

  it('takes at most 1 KiB of UTF-8', () => {
    const tools = createStateTools({ sealer });
    const exact = 'x'.repeat(MAX_REMEMBERED_BYTES);
    expect(textOf(tools.recall({ handle: handleFor(tools, exact) }, alice))).toBe(exact);
    const wide = 'é'.repeat(MAX_REMEMBERED_BYTES / 2 + 1); // 513 characters, 1026 bytes
    for (const value of ['x'.repeat(MAX_REMEMBERED_BYTES + 1), wide, 42, undefined]) {
      const result = tools.remember({ value }, alice);
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/at most 1024 bytes/);
    }
  });

  it('needs an authenticated caller', () => {
    const tools = createStateTools({ sealer });
    const handle = handleFor(tools);
    expectRefused(tools.remember({ value: SECRET }, undefined), /authenticated caller/);
    expectRefused(tools.recall({ handle }, undefined), /authenticated caller/);
  });
});
