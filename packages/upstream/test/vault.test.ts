import { describe, expect, it } from 'vitest';
import { createSealer, generateEncryptionKey } from '@mcpgate/core';
import { sha256 } from '@mcpgate/core/internal';
import { memoryStore } from '@mcpgate/core';
import type { Store } from '@mcpgate/core';
import { CredentialVault } from '../src/vault.js';
import { alice, bob } from './fake-authorization-server.js';

const set = { accessToken: 'secret-access-token', tokenType: 'Bearer', refreshToken: 'secret-refresh-token', expiresAt: 2_000_000_000 };
const key = generateEncryptionKey();

describe('CredentialVault', () => {
  it('stores sets sealed under upstream:<sha256(issuer \\n subject)>, never in clear', async () => {
    const store = memoryStore();
    const vault = new CredentialVault({ store, sealer: createSealer(key) });
    await vault.put(alice, set);
    const storeKey = `upstream:${sha256(`${alice.issuer}\n${alice.subject}`)}`;
    expect(CredentialVault.keyOf(alice)).toBe(storeKey);
    const raw = JSON.stringify(await store.get(storeKey));
    expect(raw).not.toContain('secret-access-token');
    expect(raw).not.toContain('secret-refresh-token');
    expect(await vault.get(alice)).toEqual(set);
    expect(await vault.get(bob)).toBeUndefined();
  });

  it('does not open a sealed set copied under another principal’s key', async () => {
    const store = memoryStore();
    const warnings: string[] = [];
    const vault = new CredentialVault({ store, sealer: createSealer(key), warn: (m) => warnings.push(m) });
    await vault.put(alice, set);
    await store.set(CredentialVault.keyOf(bob), (await store.get(CredentialVault.keyOf(alice)))!);
    expect(await vault.get(bob)).toBeUndefined();
    expect(warnings.join()).not.toContain('secret');
    expect(warnings).toHaveLength(1);
  });

  it('rewrites a set sealed with an older key when it is read', async () => {
    const store = memoryStore();
    const oldKey = { id: 'old', key };
    await new CredentialVault({ store, sealer: createSealer(oldKey) }).put(alice, set);
    const rotated = new CredentialVault({ store, sealer: createSealer([{ id: 'new', key: generateEncryptionKey() }, oldKey]) });
    expect(await rotated.get(alice)).toEqual(set);
    expect(await store.get(CredentialVault.keyOf(alice))).toMatchObject({ kid: 'new' });
    expect(await store.get(CredentialVault.lockKeyOf(alice))).toBeUndefined();
  });

  it('stores plain JSON without a sealer, refuses a persistent store without one, and deletes', async () => {
    const store = memoryStore();
    const vault = new CredentialVault({ store });
    await vault.put(alice, set);
    expect(await store.get(CredentialVault.keyOf(alice))).toMatchObject({ set });
    expect(await vault.delete(alice)).toBe(true);
    expect(await vault.get(alice)).toBeUndefined();
    const persistent: Store = { ...memoryStore(), kind: 'sqlite', persistent: true };
    expect(() => new CredentialVault({ store: persistent })).toThrow(/sealer is required/);
  });
});
