import type { AuthInfo, Principal } from './types.js';

/**
 * The {@link Principal} behind a tool call, from the handler's `extra` (or an `AuthInfo`).
 *
 * @example
 * ```ts
 * server.tool('whoami', async (extra) => {
 *   const user = principalOf(extra);
 *   return { content: [{ type: 'text', text: user.subject }] };
 * });
 * ```
 * @throws TypeError when the request was not authenticated by mcpgate (a wiring mistake).
 */
export function principalOf(source: { authInfo?: AuthInfo | undefined } | AuthInfo | undefined): Principal {
  const info = source !== undefined && 'authInfo' in source ? source.authInfo : (source as AuthInfo | undefined);
  const principal = info?.extra?.['principal'];
  if (typeof principal !== 'object' || principal === null || typeof (principal as Principal).subject !== 'string') {
    throw new TypeError('no mcpgate principal on this request: is requireMcpAuth() in front of the MCP handler?');
  }
  return principal as Principal;
}
