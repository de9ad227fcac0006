import type { Sealer } from '@mcpgate/core';
import type { JsonValue, Store } from '@mcpgate/core';
import type { DeviceAuthorizationOutcome, DeviceAuthorizationRecord } from '../device-authorization.js';
import { CredentialVault, type PrincipalRef } from '../vault.js';

const RECORDED: readonly DeviceAuthorizationOutcome[] = ['connected', 'denied', 'expired', 'failed', 'identity_mismatch'];

/** The last device authorization outcome of each principal, in the store (sealed when there is a sealer) for `ttlMs`. */
export interface OutcomeLog {
  put(principal: PrincipalRef, outcome: DeviceAuthorizationOutcome): Promise<void>;
  get(principal: PrincipalRef): Promise<DeviceAuthorizationRecord | undefined>;
  clear(principal: PrincipalRef): Promise<void>;
}

export function outcomeLog(store: Store, sealer: Sealer | undefined, ttlMs: number): OutcomeLog {
  return {
    async put(principal, outcome) {
      const key = CredentialVault.outcomeKeyOf(principal);
      const record: JsonValue = { v: 1, outcome, settledAt: Math.floor(Date.now() / 1000) };
      await store.set(key, sealer === undefined ? record : sealer.seal(record, key), ttlMs);
    },
    async get(principal) {
      const key = CredentialVault.outcomeKeyOf(principal);
      const raw = await store.get(key);
      if (raw === undefined) return undefined;
      try {
        return recordOf(sealer === undefined ? raw : sealer.open(raw, key));
      } catch {
        return undefined;
      }
    },
    async clear(principal) {
      await store.delete(CredentialVault.outcomeKeyOf(principal));
    },
  };
}

function recordOf(value: unknown): DeviceAuthorizationRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { v, outcome, settledAt } = value as Record<string, unknown>;
  if (v !== 1 || typeof settledAt !== 'number' || !RECORDED.includes(outcome as DeviceAuthorizationOutcome)) return undefined;
  return { outcome: outcome as DeviceAuthorizationOutcome, settledAt };
}
