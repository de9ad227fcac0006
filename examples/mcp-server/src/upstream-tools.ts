/**
 * The example's upstream tools: how an MCP tool calls another API *as the user* without passing the
 * MCP token through. `connect_upstream` starts a device authorization (RFC 8628) for the caller;
 * `upstream_whoami` calls the upstream API with the caller's own upstream token (refreshed as needed).
 */
import { isMcpAuthError, principalOf, type UpstreamCredentials } from '@mcpgate/core';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

/** Options of {@link registerUpstreamTools}. */
export interface UpstreamToolsOptions {
  /**
   * The upstream API `upstream_whoami` GETs. Default: the upstream issuer's userinfo endpoint, looked up
   * when the tool runs (so an issuer that is down at startup does not disable the tools for good).
   */
  readonly api?: string | undefined;
}

const text = (value: string, isError = false) => ({ content: [{ type: 'text' as const, text: value }], ...(isError ? { isError: true } : {}) });

const UNAVAILABLE = 'The upstream service is unavailable; try again shortly.';
const NO_API = 'The upstream issuer publishes no userinfo endpoint: set MCP_UPSTREAM_API to the API this tool should call.';
const RECONNECT = 'No upstream account is connected for you (or it was disconnected): run the connect_upstream tool, open the link it returns, then try again.';

/**
 * Registers `connect_upstream` and `upstream_whoami` on `server`.
 *
 * @example
 * ```ts
 * const upstream = createUpstreamCredentials({ store: auth.store, sealer: auth.sealer, issuer, clientId });
 * registerUpstreamTools(server, upstream, { api: 'https://api.example.com/me' });
 * ```
 */
export function registerUpstreamTools(server: McpServer, upstream: UpstreamCredentials, options: UpstreamToolsOptions = {}): void {
  if (options.api !== undefined && (typeof options.api !== 'string' || !URL.canParse(options.api))) throw new TypeError('api must be an absolute URL');
  const configuredApi = options.api;
  const apiUrl = async (): Promise<string> => {
    if (configuredApi !== undefined) return configuredApi;
    const userinfo = (await upstream.endpoints()).userinfoEndpoint;
    if (userinfo === undefined) throw new TypeError(NO_API);
    return userinfo;
  };

  server.registerTool(
    'connect_upstream',
    { description: 'Connect your upstream account: returns a link and a code to approve this server (device authorization).' },
    async (extra) => {
      let prompt;
      try {
        prompt = await upstream.startDeviceAuthorization(principalOf(extra));
      } catch (error) {
        if (isMcpAuthError(error) && error.code === 'ERR_UNAVAILABLE') return text(UNAVAILABLE, true);
        throw error;
      }
      const { verification_uri, verification_uri_complete, user_code, expires_in } = prompt;
      return text(JSON.stringify({ verification_uri, verification_uri_complete, user_code, expires_in }));
    },
  );

  server.registerTool(
    'upstream_whoami',
    { description: 'Calls the upstream API as you, with your connected upstream account, and returns its answer.' },
    async (extra) => {
      let response: Response;
      try {
        response = await upstream.fetch(principalOf(extra), await apiUrl(), { headers: { accept: 'application/json' }, signal: extra.signal });
      } catch (error) {
        if (isMcpAuthError(error) && error.code === 'ERR_RECONNECT_REQUIRED') return text(RECONNECT, true);
        if (isMcpAuthError(error) && error.code === 'ERR_UNAVAILABLE') return text(UNAVAILABLE, true);
        if (error instanceof TypeError && error.message === NO_API) return text(NO_API, true);
        throw error;
      }
      const body = await response.text();
      if (response.status === 401) return text(RECONNECT, true);
      if (!response.ok) return text(`The upstream API answered ${response.status}.`, true);
      return text(body);
    },
  );
}
