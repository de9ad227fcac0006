import { createHash } from 'node:crypto';

/** SHA-256 of a string, base64url; used for every lookup key derived from a secret. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
