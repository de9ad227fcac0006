import type { AuthInfo, Principal } from './types.js';

/**
 * Where a tool handler finds the caller: SDK 1.x hands `extra` with `extra.authInfo`; SDK 2.x hands
 * `ctx` with `ctx.http.authInfo`; or the `AuthInfo` itself.
 */
export type AuthSource =
  | { readonly authInfo?: AuthInfo | undefined }
  | { readonly http?: { readonly authInfo?: AuthInfo | undefined } | undefined }
  | AuthInfo
  | undefined;

/**
 * The {@link Principal} behind a tool call: from SDK 1.x `extra`, SDK 2.x `ctx`, or an `AuthInfo`.
 *
 * @example
 * ```ts
 * server.registerTool('whoami', { description: 'Who am I?' }, async (extra) => {
 *   const user = principalOf(extra); // SDK 1.x `extra` or SDK 2.x `ctx` alike
 *   return { content: [{ type: 'text', text: user.subject }] };
 * });
 * ```
 * @throws TypeError when the request was not authenticated by mcpgate (a wiring mistake).
 */
export function principalOf(source: AuthSource): Principal {
  const principal = authInfoOf(source)?.extra?.['principal'];
  if (typeof principal !== 'object' || principal === null || typeof (principal as Principal).subject !== 'string') {
    throw new TypeError('no mcpgate principal on this request: is mcpgate (requireMcpAuth or the web adapter) in front of the MCP handler?');
  }
  return principal as Principal;
}

/** The `AuthInfo` of a tool call, from SDK 1.x `extra`, SDK 2.x `ctx`, or the `AuthInfo` itself; undefined when there is none. */
export function authInfoOf(source: AuthSource): AuthInfo | undefined {
  if (typeof source !== 'object' || source === null) return undefined;
  if ('authInfo' in source) return source.authInfo;
  if ('http' in source) return source.http?.authInfo;
  return 'token' in source ? source : undefined;
}
