import { basicAuthorization } from '@mcpgate/core/internal';
import type { ClientAuthMethod } from '../types.js';

/** Adds client authentication to an outgoing token-endpoint-style request. */
export type ClientAuthentication = (body: URLSearchParams, headers: Headers) => void;

export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}


const STRATEGIES: Record<ClientAuthMethod, (credentials: ClientCredentials) => ClientAuthentication> = {
  client_secret_basic: ({ clientId, clientSecret }) => {
    const basic = basicAuthorization(clientId, clientSecret);
    return (_body, headers) => headers.set('authorization', basic);
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
