import type { Sealer } from '../encryption.js';

/** Length of one nonce period, in seconds. */
const STEP_SECONDS = 60;
/** How many past periods a nonce stays good for (so a nonce lives 4 to 5 minutes). */
const PAST_STEPS = 4;

/** Server-provided DPoP nonces (RFC 9449 §9) without server state. */
export interface DpopNonces {
  /** The nonce of the current period. */
  current(now?: number): string;
  /** Whether `nonce` is the nonce of the current period or of one of the last few (never a future one). */
  accepts(nonce: string, now?: number): boolean;
}

/**
 * Nonces that are an HMAC of the time period under the key ring's current key (`Sealer.lookupKey`):
 * unpredictable, the same on every instance sharing the key, renewed every minute, good for about five,
 * and nothing to store. A key rotation invalidates outstanding nonces (clients get a fresh one with
 * `use_dpop_nonce` and retry).
 */
export function dpopNonces(sealer: Sealer): DpopNonces {
  const nonceOf = (step: number): string => sealer.lookupKey(`mcpgate:dpop-nonce:${step}`);
  const stepOf = (now: number): number => Math.floor(now / 1000 / STEP_SECONDS);
  return {
    current: (now = Date.now()) => nonceOf(stepOf(now)),
    accepts(nonce, now = Date.now()) {
      const step = stepOf(now);
      for (let past = 0; past <= PAST_STEPS; past++) if (nonceOf(step - past) === nonce) return true;
      return false;
    },
  };
}
