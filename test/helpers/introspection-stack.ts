import { createServer, type Server } from 'node:http';
import type { DevAuthorizationServer, DevAuthorizationServerOptions } from '@mcpgate/example-dev-authorization-server';
import { introspectionValidator, type IntrospectionValidatorOptions } from '@mcpgate/introspection-validator';
import { startStack, type Stack } from './stack.js';

const silent = { warn: () => undefined, error: () => undefined };

export interface IntrospectionStack extends Stack {
  /** Takes the authorization server down and brings it back on the same port. */
  readonly outage: AsOutage;
}

/**
 * A real dev AS issuing OPAQUE access tokens, and the example MCP server (in-process) validating them by
 * RFC 7662 introspection with the AS's introspection client.
 */
export async function startIntrospectionStack(options: {
  cacheTtlSeconds: number;
  as?: Partial<DevAuthorizationServerOptions>;
  /** More validator options (`cache`, `sealer`, `logger`, …), over the defaults. */
  validator?: Partial<IntrospectionValidatorOptions>;
}): Promise<IntrospectionStack> {
  const stack = await startStack({
    as: { accessTokenFormat: 'opaque', ...options.as },
    validator: (as) =>
      introspectionValidator({
        issuer: as.issuer,
        clientId: as.introspectionClient.clientId,
        clientSecret: as.introspectionClient.clientSecret,
        cacheTtlSeconds: options.cacheTtlSeconds,
        logger: silent,
        ...options.validator,
      }),
  });
  const outage = asOutage(stack.as);
  return {
    ...stack,
    outage,
    async close() {
      await stack.closeMcp();
      await outage.close();
    },
  };
}

export interface AsOutage {
  /** Stops the AS listening (connections refused from now on). */
  down(): Promise<void>;
  /**
   * Listens again on the SAME port with the SAME oidc-provider instance. (A brand-new dev AS would mint a new
   * random introspection client secret that the MCP server does not know, so it could never recover; a real
   * AS keeps its client credentials across restarts.)
   */
  up(): Promise<void>;
  /** Closes whatever is listening. */
  close(): Promise<void>;
}

export function asOutage(as: DevAuthorizationServer): AsOutage {
  let state: 'original' | 'down' | 'again' = 'original';
  let again: Server | undefined;
  const closeAgain = async () => {
    const server = again;
    again = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    async down() {
      if (state === 'original') await as.close();
      else if (state === 'again') await closeAgain();
      state = 'down';
    },
    async up() {
      if (state !== 'down') throw new Error('the AS is not down');
      const server = createServer(as.provider.callback());
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(as.port, '127.0.0.1', () => resolve());
      });
      again = server;
      state = 'again';
    },
    async close() {
      if (state === 'original') await as.close();
      else if (state === 'again') await closeAgain();
      state = 'down';
    },
  };
}
