import * as crypto from 'node:crypto';

type OneShotHash = (algorithm: string, data: string, encoding: 'base64url') => string;
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;

/** SHA-256 of a string, base64url; used for every lookup key derived from a secret. */
export const sha256: (value: string) => string =
  oneShot !== undefined
    ? (value) => oneShot('sha256', value, 'base64url')
    : (value) => crypto.createHash('sha256').update(value).digest('base64url');
