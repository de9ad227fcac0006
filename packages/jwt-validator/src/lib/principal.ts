import type { Principal } from '@mcpgate/core';
import type { JWTPayload } from 'jose';
import { refuse } from './token-errors.js';

/** The principal of a verified payload; `exp` and `iss` are already checked by then. */
export function principalFromPayload(payload: JWTPayload, subjectClaim: string): Principal {
  const subject = payload[subjectClaim];
  if (typeof subject !== 'string' || subject === '') {
    throw refuse('missing_claim', `token lacks a non-empty "${subjectClaim}" claim`, { claim: subjectClaim });
  }
  return {
    issuer: payload.iss as string,
    subject,
    clientId: firstString(payload['client_id'], payload['azp']),
    scopes: scopesOf(payload),
    expiresAt: payload.exp as number,
    audience: typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []).filter((a) => typeof a === 'string'),
    claims: payload,
  };
}

function firstString(...values: unknown[]): string {
  for (const value of values) if (typeof value === 'string' && value !== '') return value;
  return '';
}

function scopesOf(payload: JWTPayload): string[] {
  const { scope, scp } = payload as { scope?: unknown; scp?: unknown };
  if (typeof scope === 'string') return split(scope);
  if (typeof scp === 'string') return split(scp);
  if (Array.isArray(scp)) return [...new Set(scp.filter((s): s is string => typeof s === 'string' && s !== ''))];
  return [];
}

function split(value: string): string[] {
  return [...new Set(value.split(' ').filter((s) => s !== ''))];
}
