import { generateKeyPair, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { DevJwk } from './types.js';

const generateRsa = promisify(generateKeyPair);

export interface SigningKeys {
  privateJwk: DevJwk;
  publicJwk: DevJwk;
  kid: string;
  alg: 'RS256';
}

export async function generateSigningKeys(): Promise<SigningKeys> {
  const { privateKey, publicKey } = await generateRsa('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  const common = { kid, alg: 'RS256', use: 'sig' } as const;
  return {
    privateJwk: { ...(privateKey.export({ format: 'jwk' }) as { kty: string }), ...common },
    publicJwk: { ...(publicKey.export({ format: 'jwk' }) as { kty: string }), ...common },
    kid,
    alg: 'RS256',
  };
}
