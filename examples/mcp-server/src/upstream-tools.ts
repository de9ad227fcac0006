/**
 * The example's upstream tools: how an MCP tool calls another API *as the user* without passing the
 * MCP token through. `connect_upstream` starts a device authorization (RFC 8628) for the caller;
 * `upstream_whoami` calls the upstream API with the caller's own upstream token (refreshed as needed),
 * and when there is none says why (for instance: the last connection was approved by another account).
 */
import { isMcpAuthError, principalOf, type Principal } from '@mcpgate/core';
import type { DeviceAuthorizationOutcome, PrincipalRef, UpstreamCredentials } from '@mcpgate/upstream';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

/** Options of {@link registerUpstreamTools}. */
export interface UpstreamToolsOptions {
  /**
   * The upstream API `upstream_whoami` GETs. Default: the upstream issuer's userinfo endpoint, looked up
   * when the tool runs (so an issuer that is down at startup does not disable the tools for good).
   */
  readonly api?: string | undefined;
}

const text = (value: string, isError = false): UpstreamToolResult => ({ content: [{ type: 'text', text: value }], ...(isError ? { isError: true } : {}) });

const UNAVAILABLE = 'The upstream service is unavailable; try again shortly.';
const NO_API = 'The upstream issuer publishes no userinfo endpoint: set MCP_UPSTREAM_API to the API this tool should call.';
const RECONNECT = 'No upstream account is connected for you (or it was disconnected): run the connect_upstream tool, open the link it returns, then try again.';
const WHY_NOT_CONNECTED: Partial<Record<DeviceAuthorizationOutcome, string>> = {
  identity_mismatch:
    'The last connection was approved by a different upstream account (or one that could not be confirmed as yours), so it was not kept: run connect_upstream again and approve it signed in as yourself.',
  denied: 'The last connection was denied at the upstream sign-in page: run connect_upstream again and approve it to connect.',
  expired: 'The last connection code expired before it was approved: run connect_upstream again and approve it within the time shown.',
};

/** Why `principal` has no upstream account: the outcome of its last device authorization, when telling. */
async function reconnectText(upstream: UpstreamCredentials, principal: PrincipalRef): Promise<string> {
  try {
    const last = await upstream.lastDeviceAuthorization(principal);
    return (last === undefined ? undefined : WHY_NOT_CONNECTED[last.outcome]) ?? RECONNECT;
  } catch {
    return RECONNECT;
  }
}

/** A tool result both SDK majors accept. */
export type UpstreamToolResult = { content: Array<{ type: 'text'; text: string }>; isError?: boolean };

/** The upstream tools' logic, independent of the MCP SDK: the verified caller in, the tool result out. */
export interface UpstreamTools {
  /** `connect_upstream`: starts a device authorization for `principal`; the result is the prompt as JSON. */
  connect(principal: Principal): Promise<UpstreamToolResult>;
  /** `upstream_whoami`: calls the upstream API as `principal`; the result is its JSON body, or why not. */
  whoami(principal: Principal, signal?: AbortSignal): Promise<UpstreamToolResult>;
}

/** Descriptions of the two tools, for any SDK's `registerTool`. */
export const upstreamToolDescriptions = {
  connect_upstream: 'Connect your upstream account: returns a link and a code to approve this server (device authorization).',
  upstream_whoami: 'Calls the upstream API as you, with your connected upstream account, and returns its answer.',
} as const;

/**
 * The logic of `connect_upstream` and `upstream_whoami` on `upstream`.
 *
 * @example
 * ```ts
 * const upstream = createUpstreamCredentials({ store: auth.store, sealer: auth.sealer, issuer, clientId });
 * const tools = createUpstreamTools(upstream, { api: 'https://api.example.com/me' });
 * ```
 */
export function createUpstreamTools(upstream: UpstreamCredentials, options: UpstreamToolsOptions = {}): UpstreamTools {
  if (options.api !== undefined && (typeof options.api !== 'string' || !URL.canParse(options.api))) throw new TypeError('api must be an absolute URL');
  const configuredApi = options.api;
  const apiUrl = async (): Promise<string> => {
    if (configuredApi !== undefined) return configuredApi;
    const userinfo = (await upstream.endpoints()).userinfoEndpoint;
    if (userinfo === undefined) throw new TypeError(NO_API);
    return userinfo;
  };
  return {
    async connect(principal) {
      let prompt;
      try {
        prompt = await upstream.startDeviceAuthorization(principal);
      } catch (error) {
        if (isMcpAuthError(error) && error.code === 'ERR_UNAVAILABLE') return text(UNAVAILABLE, true);
        throw error;
      }
      const { verification_uri, verification_uri_complete, user_code, expires_in } = prompt;
      return text(JSON.stringify({ verification_uri, verification_uri_complete, user_code, expires_in }));
    },
    async whoami(principal, signal) {
      let response: Response;
      try {
        response = await upstream.fetch(principal, await apiUrl(), { headers: { accept: 'application/json' }, ...(signal !== undefined ? { signal } : {}) });
      } catch (error) {
        if (isMcpAuthError(error) && error.code === 'ERR_RECONNECT_REQUIRED') return text(await reconnectText(upstream, principal), true);
        if (isMcpAuthError(error) && error.code === 'ERR_UNAVAILABLE') return text(UNAVAILABLE, true);
        if (error instanceof TypeError && error.message === NO_API) return text(NO_API, true);
        throw error;
      }
      const body = await response.text();
      if (response.status === 401) return text(RECONNECT, true);
      if (!response.ok) return text(`The upstream API answered ${response.status}.`, true);
      return text(body);
    },
  };
}

/**
 * Registers `connect_upstream` and `upstream_whoami` on an SDK 1.x `server`.
 *
 * @example
 * ```ts
 * const upstream = createUpstreamCredentials({ store: auth.store, sealer: auth.sealer, issuer, clientId });
 * registerUpstreamTools(server, upstream, { api: 'https://api.example.com/me' });
 * ```
 */
export function registerUpstreamTools(server: McpServer, upstream: UpstreamCredentials, options: UpstreamToolsOptions = {}): void {
  const tools = createUpstreamTools(upstream, options);
  server.registerTool('connect_upstream', { description: upstreamToolDescriptions.connect_upstream }, (extra) => tools.connect(principalOf(extra)));
  server.registerTool('upstream_whoami', { description: upstreamToolDescriptions.upstream_whoami }, (extra) => tools.whoami(principalOf(extra), extra.signal));
}
