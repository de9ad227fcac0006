import type { ClientAuthMethod } from '../types.js';

/** Adds client authentication to an outgoing token-endpoint-style request. */
export type ClientAuthentication = (body: URLSearchParams, headers: Headers) => void;

export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

/** application/x-www-form-urlencoded encoding of one value (RFC 6749 Appendix B), as URLSearchParams serialises it. */
export function formUrlEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

const STRATEGIES: Record<ClientAuthMethod, (credentials: ClientCredentials) => ClientAuthentication> = {
  client_secret_basic: ({ clientId, clientSecret }) => {
    const basic = Buffer.from(`${formUrlEncode(clientId)}:${formUrlEncode(clientSecret)}`).toString('base64');
    return (_body, headers) => headers.set('authorization', `Basic ${basic}`);
  },
  client_secret_post: ({ clientId, clientSecret }) => (body) => {
    body.set('client_id', clientId);
    body.set('client_secret', clientSecret);
  },
};

export const CLIENT_AUTH_METHODS: readonly string[] = Object.keys(STRATEGIES);

/** The strategy for `method`; a new method (e.g. `private_key_jwt`) is one more entry in the table above. */
export function clientAuthentication(method: ClientAuthMethod, credentials: ClientCredentials): ClientAuthentication {
  return STRATEGIES[method](credentials);
}
